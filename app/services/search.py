"""Full-text search (filled in by the search work)."""


def remove_case(case_id):
    pass
