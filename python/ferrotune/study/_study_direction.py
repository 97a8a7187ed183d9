"""Optimization directions."""

from __future__ import annotations

import enum


class StudyDirection(enum.IntEnum):
    """Direction of an objective: NOT_SET, MINIMIZE or MAXIMIZE."""

    NOT_SET = 0
    MINIMIZE = 1
    MAXIMIZE = 2
