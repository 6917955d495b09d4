"""The advisor's errors: one base class the chat layer can catch, one subclass per cause."""


class AdvisorError(ValueError):
    """Something the advisor cannot work with."""


class CatalogError(AdvisorError):
    """`knowledge_base/products.yml` does not describe products the advisor can trust."""


class AdvisorInputError(AdvisorError):
    """An input to an advisor function is missing, of the wrong type, or out of range."""
