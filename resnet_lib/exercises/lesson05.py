"""Exercises for lesson 05."""

from . import Exercise

EXERCISES: list[Exercise] = []
