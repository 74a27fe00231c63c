-- Chat messages in the case-wide search (005 reserved source 2 for them): a message is
-- searchable from the moment it is stored; messages are never updated or deleted (006).
CREATE TRIGGER chat_messages_search AFTER INSERT ON chat_messages
WHEN trim(NEW.text) != ''
BEGIN
    INSERT INTO search_text (id, source, ref_id, exhibit_id, run_id, start_ms, end_ms, speaker, text)
    SELECT NEW.id * 4 + 2, 2, NEW.id, c.exhibit_id, NULL, 0, 0, NEW.sender, NEW.text
    FROM chats c WHERE c.id = NEW.chat_id;
END;

INSERT INTO search_text (id, source, ref_id, exhibit_id, run_id, start_ms, end_ms, speaker, text)
SELECT m.id * 4 + 2, 2, m.id, c.exhibit_id, NULL, 0, 0, m.sender, m.text
FROM chat_messages m JOIN chats c ON c.id = m.chat_id
WHERE trim(m.text) != '';
