"""Exercises for lesson 03."""

from . import Exercise

EXERCISES: list[Exercise] = []
