"""Slack adapter: `/quiz`, Block Kit study cards, App Home; Socket Mode or HTTP (slack_bolt)."""
