"""The live lane: credential gate, ``.env.live`` seeding, egress diagnosis, bounded retry (no RF imports)."""
