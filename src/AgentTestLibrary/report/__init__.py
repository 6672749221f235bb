"""What people read: a test's exchanges with every mock as one transcript (HTML and an SVG timeline)."""
