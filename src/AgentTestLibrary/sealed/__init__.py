"""The sealed network: a per-seal CA, an egress proxy on loopback, routes from real hosts to the mocks."""
