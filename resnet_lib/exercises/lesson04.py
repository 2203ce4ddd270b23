"""Exercises for lesson 04."""

from . import Exercise

EXERCISES: list[Exercise] = []
