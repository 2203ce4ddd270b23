"""Exercises for lesson 02."""

from . import Exercise

EXERCISES: list[Exercise] = []
