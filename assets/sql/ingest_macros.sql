-- Value rules shared by every source (SOURCES.md, "Value normalisation").
-- Text arrives already NFKC-normalised, trimmed and with white space collapsed.

-- Dates: 2021-03-05, 2021/3/5, 2021.03.05, 20210305, 2021年3月5日. Anything else is NULL
-- (the caller quarantines it as bad_date:<column>). An impossible day (2021-02-30) is NULL too.
-- ISO dates, nearly every cell, take the first branch: one match, one cast (a quarter of the cost).
CREATE OR REPLACE TEMP MACRO parse_date(s) AS CASE
    WHEN regexp_full_match(s, '\d{4}-\d{2}-\d{2}') THEN try_cast(s AS DATE)
    WHEN regexp_full_match(s, '\d{4}[-/.]\d{1,2}[-/.]\d{1,2}') THEN try_cast(
        regexp_extract(s, '^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$', 1) || '-' ||
        lpad(regexp_extract(s, '^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$', 2), 2, '0') || '-' ||
        lpad(regexp_extract(s, '^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$', 3), 2, '0') AS DATE)
    WHEN regexp_full_match(s, '\d{8}') THEN try_cast(
        substr(s, 1, 4) || '-' || substr(s, 5, 2) || '-' || substr(s, 7, 2) AS DATE)
    WHEN regexp_full_match(s, '\d{4}年\d{1,2}月\d{1,2}日') THEN try_cast(
        regexp_extract(s, '^(\d{4})年(\d{1,2})月(\d{1,2})日$', 1) || '-' ||
        lpad(regexp_extract(s, '^(\d{4})年(\d{1,2})月(\d{1,2})日$', 2), 2, '0') || '-' ||
        lpad(regexp_extract(s, '^(\d{4})年(\d{1,2})月(\d{1,2})日$', 3), 2, '0') AS DATE)
END;

-- Numbers: a decimal point, and thousands separators, nothing else (no units, no exponents,
-- no 'inf'). A comma is a thousands separator only between groups of exactly three digits
-- before the decimal point (SOURCES.md): 1,234.5 is 1234.5, but 12,5 (a decimal comma),
-- 1.234,5 (European grouping) and 1,2,3,4 are NULL (bad_number), never another number.
-- Full-width digits and commas arrive as ASCII (NFKC).
CREATE OR REPLACE TEMP MACRO parse_number(s) AS CASE
    WHEN regexp_full_match(s, '[+-]?(\d{1,3}(,\d{3})+(\.\d*)?|\d+(\.\d*)?|\.\d+)')
    THEN try_cast(replace(s, ',', '') AS DOUBLE)
END;

-- 申请号: drop CN/ZL, dots and spaces; upper-case X.
CREATE OR REPLACE TEMP MACRO norm_application_no(s) AS
    regexp_replace(regexp_replace(upper(s), '^(CN|ZL)', ''), '[.\s]', '', 'g');

CREATE OR REPLACE TEMP MACRO valid_application_no(n) AS
    regexp_full_match(n, '\d{12}[0-9X]|\d{8}[0-9X]');

-- Check digit: digits times 2,3,4,5,6,7,8,9 repeating, sum mod 11, 10 written X.
CREATE OR REPLACE TEMP MACRO application_no_check_ok(n) AS
    (list_sum(list_transform(range(length(n) - 1),
        lambda i: (ascii(substr(n, i + 1, 1)) - 48) * (2 + (i % 8)))) % 11)
    = CASE WHEN right(n, 1) = 'X' THEN 10 ELSE ascii(right(n, 1)) - 48 END;

-- The 12-digit form without check digit (CNIPA bulk XML, 201510822092) gets its check digit
-- (REAL_EXPORTS.md: accepted with a warning), so it meets the same patent in other exports.
CREATE OR REPLACE TEMP MACRO complete_application_no(n) AS CASE
    WHEN regexp_full_match(n, '\d{12}') THEN n || substr('0123456789X',
        CAST(list_sum(list_transform(range(12), lambda i: (ascii(substr(n, i + 1, 1)) - 48) * (2 + (i % 8)))) % 11 AS BIGINT) + 1, 1)
    ELSE n
END;

-- 5th digit of a 13-character number: 1/8 invention, 2/9 utility model, 3 design.
CREATE OR REPLACE TEMP MACRO application_no_type(n) AS CASE
    WHEN length(n) = 13 THEN CASE substr(n, 5, 1)
        WHEN '1' THEN 'invention' WHEN '8' THEN 'invention'
        WHEN '2' THEN 'utility_model' WHEN '9' THEN 'utility_model'
        WHEN '3' THEN 'design' END
END;

-- 注册号: digits, or G + digits for Madrid designations.
CREATE OR REPLACE TEMP MACRO norm_trademark_no(s) AS regexp_replace(upper(s), '\s', '', 'g');
CREATE OR REPLACE TEMP MACRO valid_trademark_no(n) AS regexp_full_match(n, 'G?\d+');

-- 统一社会信用代码 (GB 32100): 18 characters of 0-9 and 20 letters (no I, O, Z, S, V).
CREATE OR REPLACE TEMP MACRO norm_credit_code(s) AS regexp_replace(upper(s), '\s', '', 'g');
CREATE OR REPLACE TEMP MACRO valid_credit_code(c) AS regexp_full_match(c, '[0-9A-HJ-NPQRTUWXY]{18}');
CREATE OR REPLACE TEMP MACRO credit_code_check_ok(c) AS
    (31 - list_sum(list_transform(range(17),
        lambda i: (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, i + 1, 1)) - 1)
             * [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28][i + 1])) % 31) % 31
    = strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', right(c, 1)) - 1;
