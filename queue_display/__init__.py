"""The queue number screen for the office TV and its Indonesian voice call (see the queue milestone)."""
