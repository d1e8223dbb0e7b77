-- faqbot state store, version 2: the query log says which previous article
-- a follow-up was read with (kb.LogEntry.Context; '' when read on its own),
-- for the curator console's follow-up share.
ALTER TABLE faqbot_log ADD COLUMN context text NOT NULL DEFAULT '';
