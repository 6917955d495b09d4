"""What each intent of the conversation contract is called in Korean UI text."""
from __future__ import annotations

from typing import Dict, Optional

INTENT_LABELS: Dict[str, str] = {
    "greet": "인사",
    "goodbye": "대화 마치기",
    "affirm": "네",
    "deny": "아니요",
    "thank": "감사 인사",
    "bot_challenge": "챗봇인지 확인",
    "help": "할 수 있는 일 보기",
    "human_handoff": "상담원 연결",
    "out_of_scope": "다른 질문",
    "inform": "정보 알려주기",
    "check_balance": "잔액 조회",
    "list_accounts": "연결된 계좌·카드 목록",
    "total_assets": "총자산·순자산",
    "search_transactions": "거래내역 검색",
    "spending_summary": "지출 분석",
    "income_summary": "월급·수입 확인",
    "card_bill": "카드값 조회",
    "loan_status": "내 대출 현황",
    "insurance_summary": "가입한 보험",
    "investment_summary": "투자 수익률",
    "recurring_payments": "정기결제·구독료",
    "connect_institution": "금융사 연결",
    "list_consents": "정보 제공 동의 내역",
    "revoke_consent": "금융사 연결 해지",
    "credit_score": "내 신용점수",
    "loan_eligibility": "대출 가능 여부",
    "recommend_product": "금융상품 추천",
    "financial_advice": "돈 관리 조언",
}


def intent_label(intent: str) -> Optional[str]:
    return INTENT_LABELS.get(intent)
