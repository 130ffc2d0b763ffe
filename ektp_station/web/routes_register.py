"""HTTP routes of the register feature (filled in by that feature's work)."""

from fastapi import APIRouter

router = APIRouter()
