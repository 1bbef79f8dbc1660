#pragma once
// One notification as an Internet message (RFC 5322, MIME RFC 2045-2047): UTF-8
// text and HTML alternatives, both quoted-printable; non-ASCII header text as
// encoded words; RFC 8058 one-click unsubscribe headers on alerts. Lines end in
// CRLF and stay within 78 characters, as relays expect.
#include <cstdint>
#include <string>
#include <string_view>

namespace gosmart::notifier {

struct MailMessage {
  std::string from, to, reply_to, subject, text, html, message_id, list_unsubscribe_url, language;
  std::string kind;  // X-GoSmart-Notification: what it is about, for the recipient's filters
  int64_t date_us = 0;
};

// std::invalid_argument when a header value holds CR, LF or NUL (header
// injection), From or To is empty, or an address (not its display name) is not
// ASCII. A long or non-ASCII subject and non-ASCII display names become encoded
// words.
std::string build_mime(const MailMessage& message);

// A stable Message-ID for an idempotency key: "<" + 32 hex digits of SHA-256(key)
// + "@" + domain + ">". The same notification sent again carries the same one.
std::string message_id(std::string_view idempotency_key, std::string_view domain);

// Quoted-printable (RFC 2045 §6.7) of UTF-8 text with CRLF line ends; soft breaks
// keep every line within 76 characters and never split an escape.
std::string quoted_printable(std::string_view text);

// A header value as RFC 2047 encoded words ("=?UTF-8?B?...?=", each at most 75
// characters, never splitting a UTF-8 sequence) when it is not plain ASCII.
std::string encoded_words(std::string_view value);
// The same, always: words of at most 39 bytes (64 characters framed) joined by
// CRLF and a space, so "Subject: " and a word fit in 78 characters.
std::string b_words(std::string_view value);

}  // namespace gosmart::notifier
