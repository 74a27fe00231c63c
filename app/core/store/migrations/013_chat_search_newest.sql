-- Only the newest reading of a chat export is searched (and scanned for entities): a chat read
-- again by a newer parser (chats.parser_version) keeps its old reading as read (006), but the
-- old reading's messages leave the search index, or every hit and mention came twice.
CREATE TRIGGER chats_newest_reading_searched AFTER INSERT ON chats
BEGIN
    DELETE FROM search_text WHERE source = 2 AND ref_id IN (
        SELECT m.id FROM chat_messages m JOIN chats c ON c.id = m.chat_id
        WHERE c.exhibit_id = NEW.exhibit_id AND c.position = NEW.position
          AND c.parser_version < NEW.parser_version);
END;

DELETE FROM search_text WHERE source = 2 AND ref_id IN (
    SELECT m.id FROM chat_messages m JOIN chats c ON c.id = m.chat_id
    WHERE EXISTS (SELECT 1 FROM chats n WHERE n.exhibit_id = c.exhibit_id AND n.position = c.position
                  AND n.parser_version > c.parser_version));
