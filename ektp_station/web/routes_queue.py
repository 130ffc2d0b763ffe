"""HTTP routes of the queue feature (filled in by that feature's work)."""

from fastapi import APIRouter

router = APIRouter()
