//! The last step of 取得 and 更新 and the `.p12` download: plain handlers,
//! because the key-method form may carry a CSR file (multipart) and the
//! download is a file, not a server function's typed answer. They read the
//! flow in progress from the session (`request::PendingCertificate`) and
//! answer with a redirect (post/redirect/get), like the server functions.

use crate::middleware::{error_page, error_response};
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::State;
use axum::http::{header, request::Parts, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kanri_app::domain::{IssueRefusal, Refusal};
use kanri_app::error::AppError;
use kanri_app::payloads::certificate_flow::{Flow, IssuedCertificate};
use kanri_app::request::{
    self, IssuedInSession, PendingCertificate, PresentedCertificate, CERTIFICATE_FLOW_KEY,
};
use kanri_app::routes;
use kanri_app::state::AppState;
use kanri_app::use_cases::issuance::{self, Issued, KeyMethodInput};
use kanri_app::use_cases::{renewal, Failure};
use tower_sessions::Session;

/// The largest field the form can carry: a CSR is at most 16 KiB, and the
/// parser must see a larger one to say so.
const MAX_FIELD_BYTES: usize = 20 * 1024;

/// The key-method form's fields.
#[derive(Default)]
struct MethodForm {
    flow: Option<Flow>,
    method: String,
    import_password: String,
    import_password_repeat: String,
    csr: Vec<u8>,
}

impl MethodForm {
    fn input(&self) -> KeyMethodInput<'_> {
        match self.method.as_str() {
            "p12" => KeyMethodInput::ServerKey {
                import_password: &self.import_password,
                repeated: &self.import_password_repeat,
            },
            "csr" => KeyMethodInput::Csr(&self.csr),
            _ => KeyMethodInput::None,
        }
    }
}

/// Reads the form; anything unreadable is the sender's mistake (400).
async fn read_form(mut multipart: Multipart) -> Result<MethodForm, AppError> {
    let mut form = MethodForm::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadInput)?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|_| AppError::BadInput)?;
        if bytes.len() > MAX_FIELD_BYTES {
            form.csr = bytes.to_vec(); // said too large below, not a 400
            form.method = "csr".into();
            continue;
        }
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "flow" => {
                form.flow = Some(match text().as_str() {
                    "Renewal" => Flow::Renewal,
                    _ => Flow::Issuance,
                })
            }
            "method" => form.method = text(),
            "import_password" => form.import_password = text(),
            "import_password_repeat" => form.import_password_repeat = text(),
            // A pasted CSR, or a file: whichever has content.
            "csr_text" | "csr_file" if !bytes.iter().all(u8::is_ascii_whitespace) => {
                form.csr = bytes.to_vec()
            }
            _ => {}
        }
    }
    Ok(form)
}

fn method_screen(flow: Flow) -> &'static str {
    match flow {
        Flow::Issuance => routes::ISSUANCE_METHOD,
        Flow::Renewal => routes::RENEWAL_METHOD,
    }
}

fn result_screen(flow: Flow) -> &'static str {
    match flow {
        Flow::Issuance => routes::ISSUANCE_RESULT,
        Flow::Renewal => routes::RENEWAL_RESULT,
    }
}

/// Where a refusal sends the user: back to the form for what they can fix,
/// to the flow's start for the rest.
fn back_with(flow: Flow, refusal: Refusal) -> Response {
    let form_can_fix = matches!(
        refusal,
        Refusal::Issue(r) if !matches!(
            r,
            IssueRefusal::NotAuthenticated
                | IssueRefusal::AlreadyIssued
                | IssueRefusal::CodeRequired
                | IssueRefusal::CodeInvalid
                | IssueRefusal::CodeExpired
        )
    );
    let screen = if form_can_fix {
        method_screen(flow)
    } else {
        kanri_app::functions::certificate_flow::start_of(flow)
    };
    Redirect::to(&routes::with_error(screen, refusal.code())).into_response()
}

/// POST of the key-method form: issues (取得) or renews (更新).
pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    parts: Parts,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    match submit_inner(&state, &session, &parts, multipart).await {
        Ok(response) => response,
        Err(err) => error_response(err),
    }
}

async fn submit_inner(
    state: &AppState,
    session: &Session,
    parts: &Parts,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let form = read_form(multipart.map_err(|_| AppError::BadInput)?).await?;
    let flow = form.flow.unwrap_or(Flow::Issuance);
    let now = state.clock.now();
    let pending = request::pending_certificate(session)
        .await?
        .filter(|p| p.flow == flow && p.may_issue(now));
    let Some(mut pending) = pending else {
        return Ok(back_with(flow, IssueRefusal::NotAuthenticated.into()));
    };
    let client = request::client_info_of(parts, &state.config.trusted_proxies);
    let input = form.input();
    let outcome = match flow {
        Flow::Issuance => {
            let authenticated = issuance::Authenticated {
                user_id: pending.user_id,
                needs_otp: false,
                code_id: pending.code_id,
            };
            issuance::issue(state, &authenticated, &input, &client)
                .await
                .map_err(|f| match f {
                    Failure::Refused(r) => Failure::Refused(Refusal::from(r)),
                    Failure::Error(e) => Failure::Error(e),
                })
        }
        Flow::Renewal => {
            let authenticated = renewal::Authenticated {
                user_id: pending.user_id,
                serial: pending.renewing.clone().ok_or(AppError::BadInput)?,
                needs_otp: false,
                code_id: pending.code_id,
            };
            let presented = parts.extensions.get::<PresentedCertificate>();
            let der = presented.map(|p| p.0.as_slice());
            renewal::renew(state, &authenticated, der, &input, &client).await
        }
    };
    match outcome {
        Ok(issued) => {
            pending.issued = Some(in_session(
                flow,
                issued,
                state.config.notice_window().days(),
            ));
            session.insert(CERTIFICATE_FLOW_KEY, pending).await?;
            Ok(Redirect::to(result_screen(flow)).into_response())
        }
        Err(Failure::Refused(refusal)) => Ok(back_with(flow, refusal)),
        Err(Failure::Error(err)) => Err(err),
    }
}

fn in_session(flow: Flow, issued: Issued, notice_days: i64) -> IssuedInSession {
    IssuedInSession {
        certificate: IssuedCertificate {
            flow,
            organization: issued.subject.organization,
            organizational_unit: issued.subject.organizational_unit,
            common_name: issued.subject.common_name,
            serial: issued.serial,
            not_after: issued.not_after,
            pem: issued.pem,
            download_pending: issued.download_token.is_some(),
            notice_days,
        },
        download_token: issued.download_token,
    }
}

/// GET of the `.p12`: once, within 10 minutes, by the session that issued it.
pub async fn download(State(state): State<AppState>, session: Session, parts: Parts) -> Response {
    match download_inner(&state, &session, &parts).await {
        Ok(response) => response,
        Err(Failure::Error(err)) => error_response(err),
        Err(Failure::Refused(refusal)) => {
            error_page(StatusCode::GONE, "証明書ファイル", refusal.message())
        }
    }
}

async fn download_inner(
    state: &AppState,
    session: &Session,
    parts: &Parts,
) -> Result<Response, Failure<IssueRefusal>> {
    let pending: Option<PendingCertificate> = request::pending_certificate(session).await?;
    let Some((mut pending, token)) = pending.and_then(|p| {
        let token = p.issued.as_ref()?.download_token.clone()?;
        Some((p, token))
    }) else {
        return Err(Failure::Refused(IssueRefusal::DownloadGone));
    };
    let client = request::client_info_of(parts, &state.config.trusted_proxies);
    let taken = issuance::take_download(state, pending.user_id, &token, &client).await;
    // Gone either way now: the result screen stops offering it. The token
    // stays, so that another try is answered (and recorded) by the database.
    if let Some(issued) = pending.issued.as_mut() {
        issued.certificate.download_pending = false;
    }
    let file_name = pending
        .issued
        .as_ref()
        .map(|i| {
            format!(
                "{}.p12",
                i.certificate
                    .common_name
                    .split('.')
                    .next()
                    .unwrap_or("certificate")
            )
        })
        .unwrap_or_else(|| "certificate.p12".into());
    session
        .insert(CERTIFICATE_FLOW_KEY, pending)
        .await
        .map_err(AppError::from)?;
    let bytes = taken?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-pkcs12".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// GET of the certificate just issued (DER), for the CSR route's
/// `certreq -accept`: only to the session it was issued in, within the
/// flow's 10 minutes. Nobody else is told which certificate (and so which
/// login ID) a serial stands for.
pub async fn certificate_der(State(state): State<AppState>, session: Session) -> Response {
    let pending = match request::pending_certificate(&session).await {
        Ok(pending) => pending,
        Err(err) => return error_response(err),
    };
    let now = state.clock.now();
    let Some(issued) = pending.filter(|p| p.is_fresh(now)).and_then(|p| p.issued) else {
        return error_page(
            StatusCode::NOT_FOUND,
            "証明書",
            "この画面で発行された証明書はありません。",
        );
    };
    match kanri_app::db::certificates::der_by_serial(state.db.pool(), &issued.certificate.serial)
        .await
    {
        Ok(Some(der)) => (
            [
                (header::CONTENT_TYPE, "application/pkix-cert"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            der,
        )
            .into_response(),
        Ok(None) => error_page(StatusCode::NOT_FOUND, "証明書", "証明書が見つかりません。"),
        Err(err) => error_response(err.into()),
    }
}
