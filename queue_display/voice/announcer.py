"""A call as one WAV: the chime, a short pause, the words (espeak-ng or clips). Rendered calls are cached, so
ten displays asking for the same call cost one rendering."""

from __future__ import annotations

import threading
from collections import OrderedDict

from ektp_station.queue.config import QueueSettings
from queue_display.voice.audio import Audio, join, silence
from queue_display.voice.chime import chime
from queue_display.voice.clips import ClipsBackend
from queue_display.voice.espeak import EspeakBackend
from queue_display.voice.words import Announcement, call_announcement

PAUSE_AFTER_CHIME = 0.25
CACHE_SIZE = 64


def backend_for(settings: QueueSettings):
    if settings.voice_backend == "clips":
        return ClipsBackend(settings.voice_clips_dir)
    return EspeakBackend(rate=settings.voice_rate)


class Announcer:
    def __init__(self, backend, *, with_chime: bool = True):
        self.backend = backend
        self.with_chime = with_chime
        self._cache: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def render(self, announcement: Announcement) -> Audio:
        speech = self.backend.render(announcement)
        if not self.with_chime:
            return speech
        gong = getattr(self.backend, "chime", lambda: None)() or chime(speech.rate, speech.channels, speech.width)
        return join([gong, silence(PAUSE_AFTER_CHIME, speech), speech])

    def wav(self, announcement: Announcement) -> bytes:
        key = (self.backend.key(), self.with_chime, announcement.phrases)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        data = self.render(announcement).to_wav()
        with self._lock:
            self._cache[key] = data
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return data

    def call_wav(self, number: str, counter: int) -> bytes:
        return self.wav(call_announcement(number, counter))
