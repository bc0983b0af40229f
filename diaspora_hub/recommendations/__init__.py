"""Recommendations: drafted from what calls and rooms heard, endorsed by organisations,
with consensus measured bloc by bloc."""
