"""The queue number screen for the office TV (``/display``) and its Indonesian voice call.

``web`` adds the page, its live feed (Server-Sent Events) and the call audio to the station's web application;
``feed`` follows the queue's event log and pushes the full screen state to every connected display; ``state``
is what one display shows; ``voice`` turns a call into words and the words into sound (espeak-ng or recorded
clips, a chime first). The page itself (``static/``) keeps a playback queue so calls are spoken one after the
other, in order, never over each other.
"""
