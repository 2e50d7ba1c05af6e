"""Electronic signatures on consent documents (电子签名法: a reliable electronic signature has the
force of a handwritten one). Where a district chooses it, a natural person's consent lodged over
the API is verified at once when its PDF carries a signature that is intact, covers the whole
file, and chains to a certificate the district trusts (e.g. its CA's root); otherwise a reviewer
checks it. pyHanko does the PDF and CMS work (its validator, not ours).
"""

from __future__ import annotations

import io
import logging

from asn1crypto import pem, x509

logger = logging.getLogger("core.reports")


def trusted_roots(trusted_pem: str) -> list[x509.Certificate]:
    data = trusted_pem.encode()
    if not pem.detect(data):
        return []
    return [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]


def certificates_problem(trusted_pem: str) -> str:
    """Why the trusted certificates cannot be used, in Chinese; empty when they can."""
    try:
        roots = trusted_roots(trusted_pem)
    except (ValueError, TypeError):
        return "可信证书无法解析：请粘贴 PEM 格式（-----BEGIN CERTIFICATE----- 开头）的证书"
    if not roots:
        return "请至少提供一张 PEM 格式的可信根证书"
    return ""


def signature_verified(content: bytes, *, trusted_pem: str) -> bool:
    """Does the PDF carry a valid signature over the whole file, by a certificate that chains to
    one of `trusted_pem`'s? False for anything else (no PDF, no signature, altered, untrusted)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        roots = trusted_roots(trusted_pem)
    except (ValueError, TypeError):
        return False
    if not roots or not content.startswith(b"%PDF"):
        return False
    try:
        signatures = PdfFileReader(io.BytesIO(content), strict=False).embedded_signatures
        if not signatures:
            return False
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = validate_pdf_signature(signatures[-1], context)
    except Exception:  # a malformed file is simply not verified; a reviewer looks at it
        logger.info("consent signature not verifiable", exc_info=True)
        return False
    return bool(status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE)
