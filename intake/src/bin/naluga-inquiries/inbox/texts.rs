//! The inbox's words, in Chinese (first: the sales staff read it) and English, and how a
//! request picks one: the switch's cookie, else the browser's `Accept-Language`.

use std::collections::BTreeMap;

/// (key, Chinese, English).
const TEXTS: &[(&str, &str, &str)] = &[
    ("app", "NALUGA 询价", "NALUGA inquiries"),
    ("language", "语言", "Language"),
    ("lock", "锁定", "Lock"),
    ("locked", "已锁定", "Locked"),
    (
        "locked_why",
        "询价箱在闲置一段时间后自动锁定，解密的数据已从内存中清除。",
        "The inbox locks itself when idle; decrypted data has been cleared from memory.",
    ),
    ("passphrase", "密钥口令", "Passphrase of your key"),
    ("unlock", "解锁", "Unlock"),
    ("unlock_failed", "无法解锁：", "Could not unlock:"),
    (
        "unlock_code",
        "解锁码（显示在 naluga-inquiries 的窗口中）",
        "Unlock code (shown in naluga-inquiries' window)",
    ),
    (
        "wrong_code",
        "解锁码不正确：请输入 naluga-inquiries 窗口中最新显示的解锁码。",
        "Wrong code: enter the newest code shown in naluga-inquiries' window.",
    ),
    (
        "wrong_passphrase",
        "口令不正确，请重试。",
        "Wrong passphrase; try again.",
    ),
    ("inquiries", "询价", "Inquiries"),
    ("search", "搜索", "Search"),
    (
        "search_hint",
        "姓名、邮箱、公司或需求中的词",
        "Words in the name, e-mail, company or requirements",
    ),
    ("from", "从", "From"),
    ("to", "至", "To"),
    ("toy_type", "玩具类型", "Toy type"),
    ("site_language", "网站语言", "Site language"),
    ("status", "状态", "Status"),
    ("open", "进行中", "Open"),
    ("closed", "已完成", "Closed"),
    ("marketing", "营销信息", "Marketing"),
    ("marketing_yes", "同意接收", "May receive"),
    ("marketing_no", "不接收", "May not receive"),
    ("any", "全部", "Any"),
    ("filter", "筛选", "Filter"),
    ("clear", "清除筛选", "Clear"),
    ("matching", "条符合", "matching"),
    ("of", "共", "of"),
    ("new", "新", "New"),
    ("new_count", "条新询价", "new"),
    ("none", "没有符合条件的询价。", "No inquiry matches."),
    ("received", "收到时间", "Received"),
    ("contact", "联系人", "Contact"),
    ("company", "公司", "Company"),
    ("quantity", "数量", "Quantity"),
    ("pieces", "件", "pieces"),
    ("previous", "上一页", "Previous"),
    ("next", "下一页", "Next"),
    ("page", "页", "Page"),
    ("export_csv", "导出 CSV", "Export CSV"),
    ("export_json", "导出 JSON", "Export JSON"),
    (
        "export_marketing",
        "导出营销名单",
        "Export the marketing list",
    ),
    ("exports", "导出（当前筛选）", "Exports (this filter)"),
    (
        "loading",
        "正在读取询价，列表和计数会随之增加：",
        "Still reading the store; the list and its counts grow:",
    ),
    (
        "reading_stopped",
        "读取存储时出错，列表不完整（导出已停用）：",
        "Reading the store failed; the list is incomplete (exports are off):",
    ),
    (
        "unreadable",
        "个对象无法用您的密钥解密，未显示。",
        "objects could not be decrypted with your key and are not shown.",
    ),
    (
        "ignored",
        "无法识别的筛选条件已忽略：",
        "Filter values not understood, ignored:",
    ),
    ("back", "返回列表", "Back to the list"),
    ("name", "姓名", "Name"),
    ("email", "邮箱", "E-mail"),
    ("phone", "电话", "Phone"),
    ("country", "国家/地区", "Country"),
    ("delivery_date", "期望交货日期", "Delivery date"),
    ("requirements", "需求", "Requirements"),
    ("age_statement", "年龄声明", "Age statement"),
    ("age_adult", "已满 18 岁", "Adult"),
    (
        "age_guardian",
        "未满 18 岁，已获监护人同意",
        "Minor, with a guardian's consent",
    ),
    ("consents", "同意事项", "Consents"),
    ("privacy_consent", "隐私政策", "Privacy policy"),
    ("policy_version", "政策版本", "policy version"),
    ("given", "已同意", "given"),
    ("not_given", "未同意", "not given"),
    ("withdrawn", "已撤回", "withdrawn"),
    ("attachments", "附件", "Attachments"),
    ("no_attachments", "无附件", "None"),
    ("download", "下载", "Download"),
    ("reply", "用邮件回复", "Reply by e-mail"),
    ("copy", "复制", "Copy"),
    ("copied", "已复制", "Copied"),
    ("actions", "操作", "Actions"),
    ("close", "标记为已完成", "Close (business complete)"),
    (
        "close_note",
        "两年后删除（隐私政策规定的保存期限）。",
        "Deleted two years later, as the privacy policy says.",
    ),
    ("delete", "删除", "Delete"),
    ("delete_confirm", "确认删除询价", "Delete the inquiry"),
    (
        "delete_note",
        "删除后无法恢复（访客的删除权）。请确认您要删除的是这条询价：",
        "This cannot be undone (the visitor's right to delete). Check that this is the inquiry to delete:",
    ),
    ("cancel", "取消", "Cancel"),
    ("deleted", "已删除询价", "Deleted the inquiry"),
    ("closed_done", "已标记为已完成", "Closed"),
    ("corrections", "更正记录", "Corrections"),
    ("correct", "更正或补充", "Correct or supplement"),
    (
        "correct_note",
        "按访客的要求更正（更正权）。记录保存更改了哪些内容及时间，不保存原来的值。",
        "At the visitor's request (right to correct). The record keeps what changed and when, not the former values.",
    ),
    (
        "your_name",
        "您的姓名（可选，会随更正保存）",
        "Your name (optional, kept with the correction)",
    ),
    ("save_correction", "保存更正", "Save the correction"),
    ("corrected_done", "已更正", "Corrected"),
    (
        "nothing_changed",
        "没有更改任何内容。",
        "Nothing was changed.",
    ),
    ("withdraw", "撤回营销同意", "Withdraw marketing consent"),
    (
        "withdraw_note",
        "撤回此邮箱所有询价的营销同意（撤回同意权），并保存带日期的撤回记录。",
        "For every inquiry from this address (right to withdraw consent); a dated withdrawal is kept.",
    ),
    (
        "withdrawn_done",
        "已撤回营销同意",
        "Marketing consent withdrawn",
    ),
    (
        "not_on_list",
        "您的密钥不在部署的收件人名单上，所以无法更正或撤回（您将无法读取自己写入的内容）。请负责部署的同事把您的公钥加入名单（naluga-inquiries recipients set），然后运行 rekey。",
        "Your key is not on the deployment's recipient list, so you cannot correct or withdraw (you could not read what you wrote). Ask whoever deploys to add your public key (naluga-inquiries recipients set), then run rekey.",
    ),
    (
        "list_missing",
        "存储中还没有收件人名单（recipients.txt）：网站收到第一条询价时会写入，或由负责部署的同事运行 naluga-inquiries recipients set。在此之前无法更正或撤回。",
        "The store has no recipient list yet (recipients.txt): the intake writes it with the first inquiry, or whoever deploys runs naluga-inquiries recipients set. Until then, nothing can be corrected or withdrawn.",
    ),
    (
        "list_invalid",
        "存储中的收件人名单（recipients.txt）无效。请负责部署的同事用 naluga-inquiries recipients set 重新写入。在此之前无法更正或撤回。",
        "The store's recipient list (recipients.txt) is not valid. Ask whoever deploys to write it again with naluga-inquiries recipients set. Until then, nothing can be corrected or withdrawn.",
    ),
    (
        "list_unreadable",
        "无法读取存储中的收件人名单（网络或权限问题），所以暂时无法更正或撤回。请稍后重新打开询价箱。",
        "The store's recipient list could not be read (network or permission), so nothing can be corrected or withdrawn for now. Open the inbox again later.",
    ),
    (
        "list_differs",
        "启动询价箱时给出的收件人（--recipients 或 NALUGA_RECIPIENTS）与存储中的名单不同，所以无法更正或撤回。去掉该设置，或改为存储中的名单（naluga-inquiries recipients 可查看）。",
        "The recipients the inbox was started with (--recipients or NALUGA_RECIPIENTS) differ from the store's list, so nothing can be corrected or withdrawn. Drop that setting, or give the store's list (naluga-inquiries recipients shows it).",
    ),
    ("failed", "未能完成：", "Not done:"),
    ("not_found", "找不到这条询价。", "There is no such inquiry."),
    (
        "forbidden",
        "请使用终端中显示的地址打开询价箱。",
        "Open the inbox with the address printed in the terminal.",
    ),
    ("plush", "毛绒玩具", "Plush toys"),
    ("vinyl", "搪胶玩具", "Vinyl toys"),
    ("plastic", "塑胶玩具", "Plastic toys"),
    ("wooden", "木制玩具", "Wooden toys"),
    ("electronic", "电子玩具", "Electronic toys"),
    // The first run's setup.
    ("setup", "首次设置", "First-time setup"),
    (
        "setup_intro",
        "三步完成：您的密钥、询价存储位置、检查。完成后双击 naluga-inquiries 即可打开询价箱。",
        "Three steps: your key, where inquiries are stored, a check. Afterwards a double-click on naluga-inquiries opens the inbox.",
    ),
    ("setup_key", "第一步：您的密钥", "Step 1: your key"),
    (
        "setup_key_why",
        "询价在存储中是加密的，只有持有密钥的同事才能在自己的电脑上读取。密钥只保存在这台电脑上，并由您的口令保护。",
        "Inquiries are stored encrypted; only colleagues holding a key read them, on their own computer. Your key stays on this computer, protected by your passphrase.",
    ),
    ("setup_new_key", "生成新密钥", "Make a new key"),
    (
        "setup_passphrase",
        "口令（至少 12 个字符，可以是几个词）",
        "Passphrase (at least 12 characters; several words are easy to remember)",
    ),
    (
        "setup_passphrase_again",
        "再次输入口令",
        "The same passphrase again",
    ),
    (
        "setup_import",
        "导入已有的身份文件",
        "Import an existing identity file",
    ),
    (
        "setup_import_file",
        "身份文件（AGE-SECRET-KEY-1… 或受口令保护的文件）",
        "Identity file (AGE-SECRET-KEY-1… or passphrase-protected)",
    ),
    (
        "setup_import_passphrase",
        "口令（如果文件受保护）",
        "Passphrase (if the file is protected)",
    ),
    (
        "setup_existing",
        "这台电脑上已有您的密钥",
        "Your key is already on this computer",
    ),
    ("setup_use_existing", "使用这个密钥", "Use this key"),
    (
        "setup_your_recipient",
        "您的公钥（收件人）",
        "Your public key (recipient)",
    ),
    (
        "setup_send_recipient",
        "请把下面这一行发给负责部署网站的同事，加入收件人名单后，新询价才会加密给您。它不是秘密。",
        "Send this line to whoever deploys the site: once it is on the recipient list, new inquiries are encrypted to you too. It is not a secret.",
    ),
    ("setup_next", "下一步", "Next"),
    (
        "setup_store",
        "第二步：询价存储在哪里",
        "Step 2: where inquiries are stored",
    ),
    (
        "setup_r2",
        "Cloudflare R2（公司使用）",
        "Cloudflare R2 (what the company uses)",
    ),
    ("setup_s3", "Amazon S3", "Amazon S3"),
    ("setup_folder", "本机文件夹", "A folder on this computer"),
    (
        "setup_account",
        "Cloudflare 账户 ID（或完整的端点地址）",
        "Cloudflare account ID (or the whole endpoint address)",
    ),
    ("setup_bucket", "存储桶名称", "Bucket name"),
    (
        "setup_region",
        "区域（例如 ap-east-1）",
        "Region (for example ap-east-1)",
    ),
    ("setup_access_key", "访问密钥 ID", "Access key ID"),
    ("setup_secret", "机密访问密钥", "Secret access key"),
    ("setup_folder_path", "文件夹路径", "Folder path"),
    ("setup_check_save", "检查并保存", "Check and save"),
    ("setup_done", "设置完成", "Setup complete"),
    (
        "setup_done_text",
        "设置已保存。询价箱会在新的浏览器标签页中打开；以后双击 naluga-inquiries 即可。",
        "Saved. The inbox opens in a new browser tab; from now on a double-click on naluga-inquiries opens it.",
    ),
    ("setup_saved_where", "保存位置", "Saved in"),
    (
        "setup_listed",
        "存储可以访问，共有询价",
        "The store answers; inquiries in it",
    ),
    (
        "setup_opened_newest",
        "最新的一条询价可以用您的密钥解密。",
        "The newest inquiry opens with your key.",
    ),
    (
        "setup_not_recipient",
        "注意：最新的一条询价无法用您的密钥解密——您的公钥还不在收件人名单中。请把上面的公钥发给负责部署的同事；之后的询价您就能读取，旧的询价需要他们重新加密（rekey）。",
        "Note: the newest inquiry does not open with your key: your public key is not on the recipient list yet. Send it to whoever deploys; new inquiries will then be yours to read, older ones once they re-encrypt them (rekey).",
    ),
    (
        "setup_err_passphrases_differ",
        "两次输入的口令不一致。",
        "The two passphrases differ.",
    ),
    (
        "setup_err_passphrase_short",
        "口令至少需要 12 个字符。",
        "Use a passphrase of at least 12 characters.",
    ),
    (
        "setup_err_wrong_passphrase",
        "口令不正确。",
        "Wrong passphrase.",
    ),
    (
        "setup_err_not_identity",
        "这不是身份文件：应包含以 AGE-SECRET-KEY-1 开头的一行，或是受口令保护的 age 文件。",
        "This is not an identity file: it holds a line starting AGE-SECRET-KEY-1, or is a passphrase-protected age file.",
    ),
    (
        "setup_err_key_first",
        "请先完成第一步（密钥）。",
        "Do step 1 (your key) first.",
    ),
    (
        "setup_err_missing",
        "请填写所选存储需要的每一项。",
        "Fill in every field the chosen store needs.",
    ),
    (
        "setup_err_no_bucket",
        "没有这个存储桶：请检查存储桶名称和账户 ID（或区域）。",
        "No such bucket: check the bucket name and the account ID (or region).",
    ),
    (
        "setup_err_unknown_key",
        "存储不认识这个访问密钥 ID：请检查是否完整复制。",
        "The store does not know this access key ID: check that it was copied whole.",
    ),
    (
        "setup_err_wrong_secret",
        "机密访问密钥不正确：请重新复制（注意不要多出空格）。",
        "The secret access key is wrong: copy it again (without extra spaces).",
    ),
    (
        "setup_err_denied",
        "这个访问密钥没有读取该存储桶的权限：请联系管理员授予“读取”权限。",
        "This access key may not read the bucket: ask the administrator for read permission.",
    ),
    (
        "setup_err_unreachable",
        "无法连接到存储：请检查网络连接和账户 ID（或端点地址）。",
        "Cannot reach the store: check the network and the account ID (or endpoint address).",
    ),
    (
        "setup_err_refused",
        "存储拒绝了请求。原因显示在 naluga-inquiries 的窗口中，请发给管理员。",
        "The store refused the request. The reason is shown in naluga-inquiries' window: send it to the administrator.",
    ),
    (
        "setup_err_no_folder",
        "找不到这个文件夹。",
        "There is no such folder.",
    ),
    (
        "setup_err_save",
        "无法保存设置",
        "Could not save the settings",
    ),
    ("other", "其他", "Other"),
    ("site_en", "英文网站", "English site"),
    ("site_zh", "中文网站", "Chinese site"),
    ("site_es", "西班牙文网站", "Spanish site"),
];

/// The interface languages.
pub(crate) const LANGUAGES: &[&str] = &["zh", "en"];

/// The words of `language` (`zh` unless `en`), by key.
pub(crate) fn texts(language: &str) -> BTreeMap<&'static str, &'static str> {
    let english = language == "en";
    TEXTS
        .iter()
        .map(|(key, zh, en)| (*key, if english { *en } else { *zh }))
        .collect()
}

/// The language of a request: the switch's choice, else the first of the browser's languages
/// the inbox has, else Chinese.
pub(crate) fn language_of(cookie: Option<&str>, accept_language: Option<&str>) -> &'static str {
    if let Some(chosen) = cookie.and_then(|c| LANGUAGES.iter().find(|l| **l == c)) {
        return chosen;
    }
    for range in accept_language.unwrap_or_default().split(',') {
        let tag = range
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_lowercase();
        let primary = tag.split('-').next().unwrap_or_default();
        if let Some(found) = LANGUAGES.iter().find(|l| **l == primary) {
            return found;
        }
    }
    "zh"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_wins_then_the_browser_then_chinese() {
        assert_eq!(language_of(Some("en"), Some("zh-CN")), "en");
        assert_eq!(language_of(None, Some("fr-FR, en-GB;q=0.8")), "en");
        assert_eq!(language_of(Some("xx"), Some("de")), "zh");
        assert_eq!(language_of(None, None), "zh");
    }

    #[test]
    fn every_key_has_both_languages() {
        for (key, zh, en) in TEXTS {
            assert!(!zh.is_empty() && !en.is_empty(), "{key}");
        }
        let keys: std::collections::BTreeSet<_> = TEXTS.iter().map(|(k, _, _)| k).collect();
        assert_eq!(keys.len(), TEXTS.len(), "a key is declared twice");
    }
}
