"""Korean calendar and wording shared by every layer."""
