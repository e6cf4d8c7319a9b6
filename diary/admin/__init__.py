"""The clinic admin's page: accounts and links."""
