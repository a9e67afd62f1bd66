"""Trigger rules, the planner, send policy, dispatcher and transports."""
