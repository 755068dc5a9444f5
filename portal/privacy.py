def mask_email(address: str) -> str:
    """j•••@example.com: enough for a person to recognise their address, not enough to learn it."""
    local, _, domain = address.partition("@")
    if not domain:
        return "•••"
    return f"{local[:1]}•••@{domain}"
