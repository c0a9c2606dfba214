"""Workshop sessions: the domain (views, checks, join codes), the agenda, the store and the exports."""
