//! What a notification reads, in Chinese or English (`[notify]` of [`crate::texts`]), for a
//! sales person: the kind of toy, the quantity and the site it came from first, then when,
//! which one, and how to open it.

use time::UtcOffset;
use time::macros::format_description;

use super::Notice;
use crate::texts::{self, Lang, site_label, toy_label};

/// A notification's text: a one-line title (an e-mail's subject) and the whole message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `新询价：毛绒玩具 500 件（英文网站）`
    pub title: String,
    /// The title, then the time received, the id and how to open the inquiry, one per line.
    pub body: String,
}

/// The text of `notice` in `language`, with the time in `offset` (shown, so nobody guesses).
pub fn message(notice: &Notice, language: Lang, offset: UtcOffset) -> Message {
    let received = notice
        .received_at
        .to_offset(offset)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second] [offset_hour sign:mandatory]:[offset_minute]"
        ))
        .unwrap_or_else(|_| notice.received_at.to_string());
    let files = match notice.attachments {
        0 => String::new(),
        1 => texts::notify::FILES_ONE.get(language).to_string(),
        n => texts::notify::files_many(language, n),
    };
    let title = texts::notify::title(
        language,
        toy_label(language, notice.toy_type),
        grouped(notice.quantity),
        site_label(language, &notice.site_language),
        files,
    );
    let open = format!("naluga-inquiries show {}", notice.id);
    let body = texts::notify::body(language, &title, received, notice.id, open);
    Message { title, body }
}

/// `12500` as `12,500`: quantities are read at a glance.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use time::macros::{datetime, offset};
    use uuid::Uuid;

    use super::*;
    use crate::inquiry::ToyType;

    fn notice(toy: ToyType, quantity: u64, site: &str) -> Notice {
        Notice {
            id: Uuid::nil(),
            received_at: datetime!(2026-11-29 1:23:08.562 UTC),
            site_language: site.to_string(),
            toy_type: toy,
            quantity,
            attachments: 0,
        }
    }

    #[test]
    fn chinese_reads_as_the_sales_team_speaks() {
        let m = message(&notice(ToyType::Plush, 500, "en"), Lang::Zh, offset!(+8));
        assert_eq!(m.title, "新询价：毛绒玩具 500 件（英文网站）");
        assert_eq!(
            m.body,
            "新询价：毛绒玩具 500 件（英文网站）\n收到时间：2026-11-29 09:23:08 +08:00\n\
             编号：00000000-0000-0000-0000-000000000000\n\
             查看：naluga-inquiries show 00000000-0000-0000-0000-000000000000"
        );
    }

    #[test]
    fn english_with_grouped_quantity_and_the_offset_shown() {
        let m = message(
            &notice(ToyType::Vinyl, 12_500, "es"),
            Lang::En,
            offset!(UTC),
        );
        assert_eq!(
            m.title,
            "New inquiry: Vinyl toys, 12,500 pieces (Spanish site)"
        );
        assert!(
            m.body.contains("\nReceived: 2026-11-29 01:23:08 +00:00\n"),
            "{}",
            m.body
        );
    }

    #[test]
    fn attachments_are_counted_in_the_title() {
        let mut with_files = notice(ToyType::Wooden, 300, "zh");
        with_files.attachments = 2;
        let zh = message(&with_files, Lang::Zh, offset!(+8));
        assert_eq!(zh.title, "新询价：木制玩具 300 件（中文网站，附 2 个文件）");
        let en = message(&with_files, Lang::En, offset!(+8));
        assert_eq!(
            en.title,
            "New inquiry: Wooden toys, 300 pieces (Chinese site, 2 attachments)"
        );
    }

    #[test]
    fn every_toy_type_of_the_form_has_a_name_in_both_languages() {
        for toy in ToyType::ALL {
            assert_ne!(
                toy_label(Lang::Zh, toy),
                toy_label(Lang::En, toy),
                "{toy:?}"
            );
        }
    }

    #[test]
    fn grouping() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(10_000_000), "10,000,000");
    }
}
