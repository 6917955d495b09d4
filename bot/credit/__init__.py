"""Credit scoring: entropy-based fuzzy SVMs, the Lending Club features, and the scorer."""
from .fuzzy_svm import EFSVMClassifier, IEFSVMClassifier
from .profile import CreditProfile, LoanApplication, LoanRecord
from .scorer import CreditResult, CreditScorer, Factor

__all__ = [
    "EFSVMClassifier",
    "IEFSVMClassifier",
    "CreditProfile",
    "LoanRecord",
    "LoanApplication",
    "CreditScorer",
    "CreditResult",
    "Factor",
]
