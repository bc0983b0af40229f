"""The rules of the opinion map, split by feature; every public function is named here."""

from diaspora_hub.opinions.service.mapping import bridging_statement, map_view, refresh
from diaspora_hub.opinions.service.polis_import import (
    MAX_UPLOAD_BYTES,
    ImportSummary,
    PolisFiles,
    import_polis,
)
from diaspora_hub.opinions.service.statements import (
    add_statement,
    list_statements,
    moderate_statement,
    my_vote,
    tally,
    vote,
)

__all__ = [
    "MAX_UPLOAD_BYTES",
    "ImportSummary",
    "PolisFiles",
    "add_statement",
    "bridging_statement",
    "import_polis",
    "list_statements",
    "map_view",
    "moderate_statement",
    "my_vote",
    "refresh",
    "tally",
    "vote",
]
