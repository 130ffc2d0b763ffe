"""The voice call: words built in code (numbers in Indonesian words), spoken by espeak-ng's Indonesian voice
after a chime, or joined from recorded clips; the audio is real sound, not silence."""

from __future__ import annotations

import math
import shutil
from array import array

import pytest

from ektp_station.queue.errors import InvalidInput
from queue_display.voice.announcer import Announcer, backend_for
from queue_display.voice.audio import Audio, VoiceError, read_wav, rms
from queue_display.voice.chime import LENGTH, chime
from queue_display.voice.clips import ClipsBackend, make_clips, vocabulary
from queue_display.voice.espeak import EspeakBackend
from queue_display.voice.words import call_announcement, call_words, number_words

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng (paket Debian) tidak ada")


def test_the_call_of_the_issue_in_words():
    announcement = call_announcement("A-012", 2)
    assert announcement.words == ["nomor", "antrian", "A", "dua", "belas", "silakan", "menuju", "loket", "dua"]
    assert announcement.text == "Nomor antrian A dua belas, silakan menuju loket dua"


@pytest.mark.parametrize(
    "number, counter, said",
    [
        ("E-001", 1, "nomor antrian E satu silakan menuju loket satu"),
        ("e10", 10, "nomor antrian E sepuluh silakan menuju loket sepuluh"),
        ("K-011", 11, "nomor antrian K sebelas silakan menuju loket sebelas"),
        ("P-020", 3, "nomor antrian P dua puluh silakan menuju loket tiga"),
        ("S-100", 4, "nomor antrian S seratus silakan menuju loket empat"),
        ("L-111", 12, "nomor antrian L seratus sebelas silakan menuju loket dua belas"),
        ("N-999", 99, "nomor antrian N sembilan ratus sembilan puluh sembilan silakan menuju loket sembilan puluh sembilan"),
        ("W-1000", 2, "nomor antrian W seribu silakan menuju loket dua"),
    ],
)
def test_numbers_are_read_as_indonesian_numbers_without_leading_zeros(number, counter, said):
    assert " ".join(call_words(number, counter)) == said


def test_every_word_a_call_can_use_is_in_the_clip_vocabulary():
    vocab = set(vocabulary())
    for seq in range(1, 1001):
        for word in number_words(seq):
            assert word in vocab, (seq, word)
    assert {w.lower() for w in call_words("R-007", 5)} <= vocab


def test_a_malformed_number_is_refused():
    with pytest.raises(InvalidInput, match="tidak valid"):
        call_words("12-A", 2)


def test_the_chime_is_a_sound_of_its_own_length():
    gong = chime(22050)
    assert gong.format == (22050, 1, 2)
    assert gong.seconds == pytest.approx(LENGTH, abs=0.01)
    assert rms(gong) > 0.05


@needs_espeak
def test_espeak_speaks_the_call_after_the_chime(artifacts_dir):
    wav = Announcer(EspeakBackend()).call_wav("A-012", 2)
    audio = read_wav(wav)
    assert audio.format == (22050, 1, 2)
    gong = chime(22050)
    assert audio.frames.startswith(gong.frames)
    speech = Audio(audio.rate, 1, 2, audio.frames[len(gong.frames):])
    assert speech.seconds > 3.0  # nine words
    assert rms(speech) > 0.02, "the call is silent"
    (artifacts_dir / "suara_A-012_loket_2.wav").write_bytes(wav)


def test_espeak_missing_is_a_one_line_indonesian_error():
    with pytest.raises(VoiceError, match="tidak terpasang.*espeak-ng"):
        EspeakBackend(binary="espeak-ng-tidak-ada").render(call_announcement("E-001", 1))


def _tone(freq: float, seconds: float = 0.2, rate: int = 16000) -> Audio:
    samples = array("h", (int(8000 * math.sin(2 * math.pi * freq * i / rate)) for i in range(int(seconds * rate))))
    return Audio(rate, 1, 2, samples.tobytes())


@pytest.fixture
def clip_folder(tmp_path):
    folder = tmp_path / "rekaman"
    folder.mkdir()
    for i, word in enumerate(vocabulary()):
        (folder / f"{word}.wav").write_bytes(_tone(200 + 10 * i).to_wav())
    return folder


def test_clips_are_joined_in_the_order_of_the_words_with_pauses(clip_folder):
    backend = ClipsBackend(clip_folder)
    announcement = call_announcement("A-012", 2)
    audio = backend.render(announcement)
    clips = [read_wav(clip_folder / f"{w.lower()}.wav").frames for w in announcement.words]
    gap = b"\x00" * (int(round(0.06 * 16000)) * 2)
    pause = b"\x00" * (int(round(0.35 * 16000)) * 2)
    first, second = clips[:5], clips[5:]
    assert audio.frames == gap.join(first) + pause + gap.join(second)


def test_clips_backend_puts_the_synthesised_chime_in_the_clips_format(clip_folder):
    audio = read_wav(Announcer(ClipsBackend(clip_folder)).call_wav("E-005", 1))
    assert audio.format == (16000, 1, 2)
    assert audio.frames.startswith(chime(16000).frames)


def test_a_recorded_chime_replaces_the_synthesised_one(clip_folder):
    (clip_folder / "chime.wav").write_bytes(_tone(1000, 0.5).to_wav())
    audio = read_wav(Announcer(ClipsBackend(clip_folder)).call_wav("E-005", 1))
    assert audio.frames.startswith(_tone(1000, 0.5).frames)


def test_missing_clips_are_named(clip_folder):
    (clip_folder / "belas.wav").unlink()
    (clip_folder / "a.wav").unlink()
    with pytest.raises(VoiceError, match=r"a\.wav, belas\.wav"):
        ClipsBackend(clip_folder).render(call_announcement("A-012", 2))
    with pytest.raises(VoiceError, match="tidak ada"):
        ClipsBackend(clip_folder / "tidak-ada").render(call_announcement("A-012", 2))


def test_clips_of_different_formats_are_refused(clip_folder):
    (clip_folder / "dua.wav").write_bytes(_tone(300, rate=22050).to_wav())
    with pytest.raises(VoiceError, match="berbeda format"):
        ClipsBackend(clip_folder).render(call_announcement("A-012", 2))


def test_a_broken_clip_is_named(clip_folder):
    (clip_folder / "loket.wav").write_bytes(b"bukan wav")
    with pytest.raises(VoiceError, match="loket.wav bukan WAV"):
        ClipsBackend(clip_folder).render(call_announcement("A-012", 2))


@needs_espeak
def test_clips_can_be_made_with_espeak_and_then_speak_a_call(tmp_path):
    words = sorted({w.lower() for w in call_words("A-012", 2)})
    written = make_clips(tmp_path / "klip", EspeakBackend(), words)
    assert sorted(p.stem for p in written) == words
    audio = ClipsBackend(tmp_path / "klip").render(call_announcement("A-012", 2))
    assert audio.seconds > 2.0 and rms(audio) > 0.02


def test_one_rendering_per_call_however_many_displays_ask(clip_folder):
    class Counting(ClipsBackend):
        renders = 0

        def render(self, announcement):
            Counting.renders += 1
            return super().render(announcement)

    announcer = Announcer(Counting(clip_folder))
    first = announcer.call_wav("K-003", 1)
    assert all(announcer.call_wav("K-003", 1) == first for _ in range(10))
    assert Counting.renders == 1


def test_the_backend_follows_the_settings(tmp_path):
    from ektp_station.queue.config import QueueSettings

    assert isinstance(backend_for(QueueSettings()), EspeakBackend)
    assert backend_for(QueueSettings(voice_rate=120)).rate == 120
    clips = backend_for(QueueSettings(voice_backend="clips", voice_clips_dir=str(tmp_path)))
    assert isinstance(clips, ClipsBackend) and clips.folder == tmp_path


@needs_espeak
def test_voice_tools_make_clips_and_say_a_call_with_them(tmp_path, capsys):
    from queue_display.__main__ import run

    assert run(["clips", str(tmp_path / "klip"), "--rate", "200"]) == 0
    assert sorted(p.stem for p in (tmp_path / "klip").glob("*.wav")) == sorted(vocabulary())
    out = tmp_path / "panggilan.wav"
    assert run(["say", "L-021", "4", "--out", str(out), "--clips", str(tmp_path / "klip")]) == 0
    assert "Nomor antrian L dua puluh satu, silakan menuju loket empat" in capsys.readouterr().out
    assert rms(read_wav(out.read_bytes())) > 0.02
    assert run(["say", "21-L", "4", "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith("galat: Nomor antrean tidak valid")
