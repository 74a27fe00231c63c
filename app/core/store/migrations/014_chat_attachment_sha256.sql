-- The SHA-256 of every file a chat message carries that the export holds (a photo, a document,
-- a sticker, as well as the voice notes and videos taken in as exhibits of their own): a
-- timeline names each file it shows by its hash. NULL for an attachment the export left out, and
-- for chats read before this column (read again when taken in again: parser version 4).
ALTER TABLE chat_attachments ADD COLUMN sha256 TEXT;
