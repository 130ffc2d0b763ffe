"""The e-KTP recording session: SOP PEREKAMAN E-KTP as a resumable state machine."""
