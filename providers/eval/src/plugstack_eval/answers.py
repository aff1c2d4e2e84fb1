"""Finding the final answer in a generation, and normalising answers so equal ones compare equal.

Multiple choice: a letter A-J after "Answer:", "the answer is", "option", or alone at the
start. Math: the last ``\\boxed{...}`` (braces balanced), else "final answer is ...";
both sides are then normalised the way MATH graders do (Minerva's rules: units, ``\\text``,
``$``, ``\\dfrac``, thousands separators) and compared as text, then as numbers
(``\\frac{1}{2}`` = ``0.5`` = ``1/2``; ``50\\%`` = ``50``).
"""

import re
from fractions import Fraction

MULTIPLE_CHOICE_REGEXES = (
    r"(?i:answer)\s*(?i:is)?\s*(?i:option)?\s*[:\uff1a]?\s*\(?([A-J])\)?(?![A-Za-z])",
    r"(?i:option|choice)\s*\(?([A-J])\)?(?![A-Za-z])",
    r"^\s*\(?([A-J])\)?(?:[.):]|\s*$)",  # a line that is just the letter: "B", "(B)", "B. Paris"
)
MATH_REGEXES = (
    r"(?i:final answer)\s*(?i:is)?\s*[:\uff1a]?\s*\$?([^\n$]+?)\$?\s*\.?\s*$",
    r"(?i:the answer is)\s*[:\uff1a]?\s*\$?([^\n$]+?)\$?\s*\.?\s*$",
    r"(?i:answer)\s*[:\uff1a]\s*\$?([^\n$]+?)\$?\s*\.?\s*$",
)
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_LEADING_LETTER = re.compile(r"^\s*\(?([A-Ja-j])\)?(?:[.):]|\s|$)")


def first_match(text: str, regexes: list[str] | tuple[str, ...]) -> str | None:
    """The first group (or the whole match) of the first regex that matches, searched per line too."""
    for pattern in regexes:
        match = re.search(pattern, text, flags=re.MULTILINE)
        if match:
            return (match.group(1) if match.groups() else match.group(0)).strip()
    return None


def choice_letter(answer: str) -> str:
    """'(b)', 'B.', 'B) Paris' -> 'B'; anything else stripped and upper-cased."""
    match = _LEADING_LETTER.match(answer)
    return match.group(1).upper() if match else answer.strip().upper()


def last_boxed(text: str) -> str | None:
    """The content of the last \\boxed{...} / \\fbox{...}, nested braces included."""
    starts = list(_BOXED.finditer(text))
    if not starts:
        return None
    depth, begin = 1, starts[-1].end()
    for position in range(begin, len(text)):
        depth += {"{": 1, "}": -1}.get(text[position], 0)
        if depth == 0:
            return text[begin:position].strip()
    return None  # unbalanced: a generation cut off by max_tokens


def extract_math(text: str, regexes: list[str] | tuple[str, ...] = MATH_REGEXES) -> str | None:
    boxed = last_boxed(text)
    if boxed is not None:
        return boxed
    found = first_match(text, regexes)
    if found is not None and (inner := last_boxed(found)) is not None:
        return inner
    return found


_SUBSTITUTIONS = (
    ("an ", ""), ("a ", ""), (".$", "$"), ("\\$", ""), (r"\ ", ""), (" ", ""), ("mbox", "text"),
    (",\\text{and}", ","), ("\\text{and}", ","), ("\\text{m}", "\\text{}"), ("\\dfrac", "\\frac"),
    ("\\tfrac", "\\frac"), ("\\left", ""), ("\\right", ""), ("\\!", ""),
)  # fmt: skip
_REMOVED = (
    "square", "ways", "integers", "dollars", "mph", "inches", "ft", "hours", "km", "units", "\\ldots", "sue",
    "points", "feet", "minutes", "digits", "cents", "degrees", "cm", "gm", "pounds", "meters", "meals", "edges",
    "students", "childrentickets", "multiples", "\\text{s}", "\\text{.}", "\\text{\ns}", "\\text{}^2",
    "\\text{}^3", "\\text{\n}", "\\text{}", r"\mathrm{th}", r"^\circ", r"^{\circ}", r"\;", r",\!", "{,}", '"',
    "\\dots",
)  # fmt: skip


def normalize_math(answer: str) -> str:
    """Minerva's normalisation of a final answer (Lewkowycz et al. 2022, appendix D)."""
    final = answer.split("=")[-1]
    for before, after in _SUBSTITUTIONS:
        final = final.replace(before, after)
    for expression in _REMOVED:
        final = final.replace(expression, "")
    final = re.sub(r"(.*?)(\$)(.*?)(\$)(.*)", r"$\3$", final)
    final = re.sub(r"(\\text\{)(.*?)(\})", r"\2", final)
    final = re.sub(r"(\\textbf\{)(.*?)(\})", r"\2", final)
    final = re.sub(r"(\\overline\{)(.*?)(\})", r"\2", final)
    final = re.sub(r"(\\boxed\{)(.*)(\})", r"\2", final)
    final = re.sub(r"(frac)([^{])(.)", r"frac{\2}{\3}", final)  # \frac23 -> \frac{2}{3}
    final = re.sub(r"(sqrt)([^{])", r"sqrt{\2}", final)  # \sqrt2 -> \sqrt{2}
    final = final.replace("$", "").strip().rstrip(".")
    if final.replace(",", "").lstrip("-").isdigit():
        final = final.replace(",", "")
    return final


def _number(text: str) -> Fraction | None:
    """A normalised answer as an exact number, when it is one: 3, -0.25, 1/2, \\frac{1}{2}, 50\\%."""
    text = text.replace("\\%", "").replace("%", "")
    frac = re.fullmatch(r"(-?)\\frac\{(-?[\d.]+)\}\{(-?[\d.]+)\}", text)
    try:
        if frac:
            value = Fraction(frac.group(2)) / Fraction(frac.group(3))
            return -value if frac.group(1) else value
        if re.fullmatch(r"-?\d+(?:\.\d+)?(?:/-?\d+(?:\.\d+)?)?", text):
            numerator, _, denominator = text.partition("/")
            return Fraction(numerator) / Fraction(denominator or "1")
    except ZeroDivisionError:
        return None
    return None


def math_equal(generated: str, expected: str) -> bool:
    left, right = normalize_math(generated), normalize_math(expected)
    if left == right:
        return True
    left_number, right_number = _number(left), _number(right)
    return left_number is not None and left_number == right_number


def normalize_text(value: str) -> str:
    """Case and runs of whitespace do not matter."""
    return " ".join(value.split()).casefold()
