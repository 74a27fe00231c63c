"""Inference in a separate, long-lived process (no Qt here).

protocol.py   typed messages crossing the process boundary
process.py    the child's loop: claims jobs from the case's queue and runs them
supervisor.py the parent's handle: start, stop, cancel, crash recovery, events
"""
