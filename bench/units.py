"""How numbers are written in the report: short, and with their unit."""


def format_rows(rows):
    """10000000 -> 10M, 10000 -> 10k."""
    if rows >= 1000000 and rows % 1000000 == 0:
        return "%dM" % (rows // 1000000)
    if rows >= 1000 and rows % 1000 == 0:
        return "%dk" % (rows // 1000)
    return str(rows)


def format_number(value):
    """Three significant digits or so: 1234 -> 1234, 45.67 -> 45.7, 1.234 -> 1.23."""
    if value >= 100:
        return "%.0f" % value
    if value >= 10:
        return "%.1f" % value
    return "%.2f" % value


def format_bytes(count):
    """Decimal units, as the service counts bytes."""
    for unit, size in (("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return "%.1f %s" % (count / size, unit)
    return "%d B" % count
