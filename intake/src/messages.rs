//! Messages shown to visitors, in the site's languages (English, Chinese, Spanish).
//!
//! Validation problems become one sentence per field; the form-post answers (error page,
//! request errors) use the same texts. A language without its own text gets English.

use crate::attachments::{AttachmentProblem, limits};
use crate::inquiry::Problem;

/// The message for a problem with the attached files in `locale`, naming the file.
pub(crate) fn attachment_message(locale: &str, problem: &AttachmentProblem) -> String {
    use AttachmentProblem::*;
    let mib = |bytes: &usize| bytes / (1024 * 1024);
    match locale {
        "zh" => match problem {
            TooMany(max) => format!("最多可附 {max} 个文件。"),
            TooLarge { file, max } => {
                format!(
                    "“{file}”超出大小限制：所有文件合计不能超过 {} MB。",
                    mib(max)
                )
            }
            Empty { file } => format!("“{file}”是空文件。"),
            NotAllowed { file } => {
                format!("“{file}”不是 JPEG、PNG、WebP、GIF 图片或 PDF 文件（按文件内容判断）。")
            }
            Damaged { file } => format!("“{file}”已损坏或不完整，请重新导出后再附上。"),
            BadName { file } => format!(
                "文件名“{file}”无效：请改名，不要包含路径、控制字符，且不超过 {} 个字符。",
                limits::NAME_CHARS
            ),
            NotAFile => "附件栏只接受文件。".into(),
            TooManyPixels {
                file,
                max_megapixels,
            } => {
                format!("“{file}”的像素太多：图片最多 {max_megapixels} 百万像素，请缩小后再附上。")
            }
        },
        "es" => match problem {
            TooMany(max) => format!("Puede adjuntar como máximo {max} archivos."),
            TooLarge { file, max } => format!(
                "«{file}» supera el límite: todos los archivos juntos no pueden pasar de {} MB.",
                mib(max)
            ),
            Empty { file } => format!("«{file}» está vacío."),
            NotAllowed { file } => format!(
                "«{file}» no es una imagen JPEG, PNG, WebP o GIF ni un PDF (según su contenido)."
            ),
            Damaged { file } => {
                format!("«{file}» está dañado o incompleto; expórtelo de nuevo y adjúntelo.")
            }
            BadName { file } => format!(
                "El nombre «{file}» no es válido: cámbielo, sin rutas ni caracteres de control, con {} caracteres como máximo.",
                limits::NAME_CHARS
            ),
            NotAFile => "Este campo solo admite archivos.".into(),
            TooManyPixels {
                file,
                max_megapixels,
            } => format!(
                "«{file}» tiene demasiados píxeles: las imágenes pueden tener como máximo {max_megapixels} megapíxeles; redúzcala y adjúntela de nuevo."
            ),
        },
        _ => match problem {
            TooMany(max) => format!("Attach at most {max} files."),
            TooLarge { file, max } => format!(
                "“{file}” is over the limit: all files together may be at most {} MB.",
                mib(max)
            ),
            Empty { file } => format!("“{file}” is empty."),
            NotAllowed { file } => format!(
                "“{file}” is not a JPEG, PNG, WebP or GIF image or a PDF (judged by its content)."
            ),
            Damaged { file } => {
                format!("“{file}” is damaged or incomplete; export it again and attach it.")
            }
            BadName { file } => format!(
                "The name “{file}” is not valid: rename the file, without a path or control characters, at most {} characters.",
                limits::NAME_CHARS
            ),
            NotAFile => "This field takes files only.".into(),
            TooManyPixels {
                file,
                max_megapixels,
            } => format!(
                "“{file}” has too many pixels: pictures may have at most {max_megapixels} megapixels; make it smaller and attach it again."
            ),
        },
    }
}

/// The subject and first lines of a staff member's reply to a buyer named `name` who wrote
/// from the site in `locale`: in the buyer's language, whatever the staff member reads.
pub fn reply_opening(locale: &str, name: &str) -> (String, String) {
    match locale {
        "zh" => (
            "关于您向 NALUGA 的询价".into(),
            format!("{name}，您好：\n\n感谢您的询价。\n\n"),
        ),
        "es" => (
            "Su consulta a NALUGA".into(),
            format!("Estimado/a {name}:\n\nGracias por su consulta.\n\n"),
        ),
        _ => (
            "Your inquiry to NALUGA".into(),
            format!("Dear {name},\n\nThank you for your inquiry.\n\n"),
        ),
    }
}

/// The message for a field problem in `locale`.
pub fn problem_message(locale: &str, problem: &Problem) -> String {
    use Problem::*;
    match locale {
        "zh" => match problem {
            Missing => "此项为必填项。".into(),
            Unknown => "表单中没有此字段。".into(),
            Duplicate => "此字段重复提交。".into(),
            NotText => "请填写文字。".into(),
            TooLong(max) => format!("最多 {max} 个字符。"),
            TooShort(min) => format!("请至少填写 {min} 个字符。"),
            ForbiddenCharacter => "包含不允许的控制字符或不可见字符，请删除后重试。".into(),
            InvalidEmail => "请输入有效的电子邮箱地址，例如 name@example.com。".into(),
            InvalidPhone => "请输入有效的电话号码，只能包含数字、空格和 + - ( )。".into(),
            NotAChoice => "请从列表中选择一项。".into(),
            NotAnInteger => "请输入整数。".into(),
            OutOfRange(min, max) => format!("请输入 {min} 到 {max} 之间的数字。"),
            InvalidDate => "请输入日期，格式为 YYYY-MM-DD。".into(),
            DateInPast => "交货日期不能早于今天。".into(),
            DateTooFar => "交货日期不能超过五年之后。".into(),
            ConsentRequired => "提交前请阅读并同意隐私政策。".into(),
            NotABoolean => "请勾选或取消勾选。".into(),
            InvalidSubmissionId => "表单已损坏，请刷新页面后重试。".into(),
            StaleSubmissionId => "表单打开时间过长，请刷新页面后重试。".into(),
            UnknownLocale => "不支持该语言。".into(),
            InvalidTime => "时间格式无效。".into(),
            InvalidVersion => "隐私政策版本无效，请刷新页面后重试。".into(),
        },
        "es" => match problem {
            Missing => "Este campo es obligatorio.".into(),
            Unknown => "Este campo no forma parte del formulario.".into(),
            Duplicate => "Este campo se ha enviado dos veces.".into(),
            NotText => "Escriba un texto.".into(),
            TooLong(max) => format!("Como máximo {max} caracteres."),
            TooShort(min) => format!("Escriba al menos {min} caracteres."),
            ForbiddenCharacter => {
                "Contiene un carácter de control o invisible no permitido; bórrelo e inténtelo de nuevo.".into()
            }
            InvalidEmail => {
                "Escriba una dirección de correo válida, por ejemplo nombre@example.com.".into()
            }
            InvalidPhone => {
                "Escriba un número de teléfono válido: solo cifras, espacios y + - ( ).".into()
            }
            NotAChoice => "Elija una opción de la lista.".into(),
            NotAnInteger => "Escriba un número entero.".into(),
            OutOfRange(min, max) => format!("Escriba un número entre {min} y {max}."),
            InvalidDate => "Escriba una fecha con el formato AAAA-MM-DD.".into(),
            DateInPast => "La fecha de entrega no puede ser anterior a hoy.".into(),
            DateTooFar => "La fecha de entrega no puede ser posterior a cinco años.".into(),
            ConsentRequired => "Lea y acepte la política de privacidad antes de enviar.".into(),
            NotABoolean => "Marque o desmarque la casilla.".into(),
            InvalidSubmissionId => {
                "El formulario está dañado; recargue la página e inténtelo de nuevo.".into()
            }
            StaleSubmissionId => {
                "El formulario lleva demasiado tiempo abierto; recargue la página e inténtelo de nuevo.".into()
            }
            UnknownLocale => "Idioma no admitido.".into(),
            InvalidTime => "Hora no válida.".into(),
            InvalidVersion => {
                "Versión de la política no válida; recargue la página e inténtelo de nuevo.".into()
            }
        },
        _ => match problem {
            Missing => "This field is required.".into(),
            Unknown => "This field is not part of the form.".into(),
            Duplicate => "This field was sent twice.".into(),
            NotText => "Enter text.".into(),
            TooLong(max) => format!("Use at most {max} characters."),
            TooShort(min) => format!("Write at least {min} characters."),
            ForbiddenCharacter => {
                "Contains a control or invisible character that is not allowed; delete it and try again.".into()
            }
            InvalidEmail => "Enter a valid email address, like name@example.com.".into(),
            InvalidPhone => {
                "Enter a valid phone number: digits, spaces and + - ( ) only.".into()
            }
            NotAChoice => "Choose one of the options.".into(),
            NotAnInteger => "Enter a whole number.".into(),
            OutOfRange(min, max) => format!("Enter a number from {min} to {max}."),
            InvalidDate => "Enter a date as YYYY-MM-DD.".into(),
            DateInPast => "The delivery date cannot be in the past.".into(),
            DateTooFar => "The delivery date cannot be more than five years ahead.".into(),
            ConsentRequired => "Read and accept the privacy policy to send the inquiry.".into(),
            NotABoolean => "Tick or untick the box.".into(),
            InvalidSubmissionId => "The form is damaged; reload the page and try again.".into(),
            StaleSubmissionId => {
                "The form has been open too long; reload the page and try again.".into()
            }
            UnknownLocale => "This language is not supported.".into(),
            InvalidTime => "Invalid time.".into(),
            InvalidVersion => {
                "Invalid privacy policy version; reload the page and try again.".into()
            }
        },
    }
}

/// What the intake says to a request that is not a well-formed inquiry, or when it failed.
/// These answer the site's script and other programs (the form's own page never sees them),
/// so they are in English.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Notice {
    /// Not POST or OPTIONS.
    MethodNotAllowed,
    /// A browser on a site that may not post here.
    OriginNotAllowed,
    /// Neither JSON nor form encoding.
    UnsupportedMediaType,
    /// Over the size cap (bytes).
    PayloadTooLarge(usize),
    /// The store failed after retries.
    Unavailable,
    /// A fault of ours.
    Internal,
}

/// The text of a [`Notice`].
pub(crate) fn notice(notice: Notice) -> String {
    match notice {
        Notice::MethodNotAllowed => "Send inquiries with POST.".into(),
        Notice::OriginNotAllowed => "This site may not send inquiries here.".into(),
        Notice::UnsupportedMediaType => {
            "Send application/json or application/x-www-form-urlencoded.".into()
        }
        Notice::PayloadTooLarge(max) => {
            format!("The inquiry is larger than {max} bytes; shorten the requirements.")
        }
        Notice::Unavailable => {
            "The inquiry could not be saved right now. Please try again in a minute.".into()
        }
        Notice::Internal => "Something went wrong on our side. Please try again later.".into(),
    }
}

/// The title of the page that answers a plain form post when the store failed, in `locale`.
pub(crate) fn unavailable_page_title(locale: &str) -> &'static str {
    match locale {
        "zh" => "暂时无法保存您的询价，请稍后重试。",
        "es" => "No hemos podido guardar su consulta. Inténtelo de nuevo en un minuto.",
        _ => "Your inquiry could not be saved right now. Please try again in a minute.",
    }
}

/// The message for a client over the rate limit, in `locale`, with the wait in minutes.
pub(crate) fn rate_limited(locale: &str, minutes: u64) -> String {
    match locale {
        "zh" => format!("提交次数过多，请 {minutes} 分钟后再试。您填写的内容不会丢失。"),
        "es" => format!(
            "Se han enviado demasiadas consultas seguidas. Inténtelo de nuevo dentro de {minutes} min; no se pierde nada."
        ),
        _ => format!(
            "Too many inquiries were sent in a row. Please try again in {minutes} min; nothing you typed is lost."
        ),
    }
}

/// Texts of the small HTML page that answers a plain form post with errors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorPageText {
    /// The page title and heading.
    pub title: &'static str,
    /// The sentence above the list of problems.
    pub intro: &'static str,
    /// The link back to the form.
    pub back: &'static str,
}

/// The error page's texts in `locale`.
pub(crate) fn error_page_text(locale: &str) -> ErrorPageText {
    match locale {
        "zh" => ErrorPageText {
            title: "询价未发送",
            intro: "请返回表单（使用浏览器的“后退”按钮，已填写的内容会保留），修改以下内容后重新提交：",
            back: "返回表单",
        },
        "es" => ErrorPageText {
            title: "La consulta no se ha enviado",
            intro: "Vuelva al formulario (con el botón Atrás del navegador se conserva lo que escribió), corrija lo siguiente y envíelo de nuevo:",
            back: "Volver al formulario",
        },
        _ => ErrorPageText {
            title: "Your inquiry was not sent",
            intro: "Go back to the form (your browser's Back button keeps what you typed), correct the following and send it again:",
            back: "Back to the form",
        },
    }
}

/// The name of a field as the form labels it, in `locale`, for the error page.
pub(crate) fn field_label(locale: &str, field: &str) -> String {
    let label = match (locale, field) {
        ("zh", "name") => "联系人",
        ("zh", "email") => "电子邮箱",
        ("zh", "phone") => "电话",
        ("zh", "company") => "公司",
        ("zh", "country") => "国家或地区",
        ("zh", "toy_type") => "玩具类型",
        ("zh", "requirements") => "设计需求",
        ("zh", "quantity") => "数量",
        ("zh", "delivery_date") => "交货日期",
        ("zh", "consent_privacy") => "隐私政策",
        ("zh", "consent_marketing") => "营销信息",
        ("zh", "age_statement") => "年龄声明",
        ("zh", "attachments") => "附件",
        ("es", "name") => "Persona de contacto",
        ("es", "email") => "Correo electrónico",
        ("es", "phone") => "Teléfono",
        ("es", "company") => "Empresa",
        ("es", "country") => "País",
        ("es", "toy_type") => "Tipo de juguete",
        ("es", "requirements") => "Requisitos de diseño",
        ("es", "quantity") => "Cantidad",
        ("es", "delivery_date") => "Fecha de entrega",
        ("es", "consent_privacy") => "Política de privacidad",
        ("es", "consent_marketing") => "Comunicaciones comerciales",
        ("es", "age_statement") => "Declaración de edad",
        ("es", "attachments") => "Archivos adjuntos",
        (_, "attachments") => "Attachments",
        (_, "name") => "Contact person",
        (_, "email") => "Email",
        (_, "phone") => "Phone",
        (_, "company") => "Company",
        (_, "country") => "Country",
        (_, "toy_type") => "Type of toy",
        (_, "requirements") => "Design requirements",
        (_, "quantity") => "Quantity",
        (_, "delivery_date") => "Delivery date",
        (_, "consent_privacy") => "Privacy policy",
        (_, "consent_marketing") => "Marketing messages",
        (_, "age_statement") => "Age statement",
        (_, other) => other,
    };
    label.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_exist_in_each_language_and_fall_back_to_english() {
        assert_eq!(problem_message("zh", &Problem::Missing), "此项为必填项。");
        assert_eq!(
            problem_message("es", &Problem::Missing),
            "Este campo es obligatorio."
        );
        assert_eq!(
            problem_message("fr", &Problem::Missing),
            "This field is required."
        );
    }
}
