"""Exercises for lesson 01."""

from . import Exercise

EXERCISES: list[Exercise] = []
