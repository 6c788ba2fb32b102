//! A queued message in words: subject, plain text and HTML in the recipient's language,
//! from the Fluent catalogs in `locales/` (one per language the manual lists; plural rules
//! by language). No IO.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use porter_store::model::Language;
use porter_store::outbox::{ApartmentLine, Audience, MailContent, MailMessage};

/// Every catalog, by language (files named by `Language::tag`).
const CATALOGS: [(Language, &str); 12] = [
    (Language::English, include_str!("../locales/en.ftl")),
    (
        Language::SimplifiedChinese,
        include_str!("../locales/zh-CN.ftl"),
    ),
    (Language::Korean, include_str!("../locales/ko.ftl")),
    (Language::Japanese, include_str!("../locales/ja.ftl")),
    (Language::Turkish, include_str!("../locales/tr.ftl")),
    (Language::Polish, include_str!("../locales/pl.ftl")),
    (Language::Russian, include_str!("../locales/ru.ftl")),
    (Language::Spanish, include_str!("../locales/es.ftl")),
    (Language::Bosnian, include_str!("../locales/bs.ftl")),
    (Language::Danish, include_str!("../locales/da.ftl")),
    (Language::Vietnamese, include_str!("../locales/vi.ftl")),
    (Language::French, include_str!("../locales/fr.ftl")),
];

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The language tag (`Content-Language`).
    pub language: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("mail catalog {language}: {problem}")]
    Invalid {
        language: &'static str,
        problem: String,
    },
}

/// The parsed catalogs; built once at start (a catalog that does not parse is a build
/// defect the unit tests catch, reported rather than panicking).
pub struct Catalogs {
    bundles: Vec<(Language, FluentBundle<FluentResource>)>,
}

impl Catalogs {
    pub fn load() -> Result<Self, CatalogError> {
        let mut bundles = Vec::with_capacity(CATALOGS.len());
        for (language, source) in CATALOGS {
            let tag = language.tag();
            let invalid = |problem: String| CatalogError::Invalid {
                language: tag,
                problem,
            };
            let id = tag.parse().map_err(|e| invalid(format!("{e:?}")))?;
            let resource = FluentResource::try_new(source.to_owned())
                .map_err(|(_, errors)| invalid(format!("{errors:?}")))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Plain text mail: no Unicode isolation marks around values.
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .map_err(|errors| invalid(format!("{errors:?}")))?;
            bundles.push((language, bundle));
        }
        Ok(Catalogs { bundles })
    }

    /// The message in its recipient's language; `portal_url` makes the installer's and
    /// property manager's redirect link.
    pub fn render(&self, m: &MailMessage, portal_url: &str) -> Rendered {
        let find = |language| self.bundles.iter().find(|(l, _)| *l == language);
        let (language, bundle) = find(m.language)
            .or_else(|| find(Language::English))
            .unwrap_or_else(|| unreachable!("every catalog is loaded"));
        let t = |id: &str, args: &FluentArgs| text(bundle, id, args);
        let mut args = FluentArgs::new();
        args.set("name", m.to_name.clone());
        let greeting = t("greeting", &args);
        let footer = t("footer", &args);
        let mut body = Body::default();
        let subject = match &m.content {
            MailContent::ExpirationNotice {
                audience,
                days,
                apartments,
                contact,
            } => {
                args.set("days", FluentValue::from(*days));
                args.set("count", FluentValue::from(apartments.len()));
                if *audience == Audience::EndUser {
                    if let Some(first) = apartments.first() {
                        args.set("date", first.date.clone());
                    }
                    body.paragraphs.push(t("expiration-end-user", &args));
                } else {
                    body.paragraphs.push(t("expiration-staff", &args));
                }
                body.list = apartments
                    .iter()
                    .map(|a| t("apartment-line", &line_args(a)))
                    .collect();
                match audience {
                    Audience::EndUser if contact.is_empty() => {
                        body.after.push(t("renew-contact-none", &args));
                    }
                    Audience::EndUser => {
                        args.set("contact", contact.clone());
                        body.after.push(t("renew-contact", &args));
                    }
                    Audience::PropertyManager | Audience::Installer => {
                        let page = if *audience == Audience::Installer {
                            "subscriptions"
                        } else {
                            "residents"
                        };
                        let community = apartments.first().map_or(0, |a| a.community_id);
                        body.link = Some((
                            t("renew-link", &args),
                            format!(
                                "{}/communities/{community}/{page}",
                                portal_url.trim_end_matches('/')
                            ),
                        ));
                    }
                }
                if *audience == Audience::EndUser {
                    t("expiration-subject-end-user", &args)
                } else {
                    t("expiration-subject-staff", &args)
                }
            }
            MailContent::Renewal { apartment } => {
                body.paragraphs
                    .push(t("renewal-body", &line_args(apartment)));
                t("renewal-subject", &args)
            }
            MailContent::AccountInvitation {
                token,
                apartment,
                family_master,
            } => {
                let line = line_args(apartment);
                let id = if *family_master {
                    "invitation-body"
                } else {
                    "invitation-body-member"
                };
                body.paragraphs.push(t(id, &line));
                body.link = Some((
                    t("set-password-link", &args),
                    set_password_url(portal_url, token),
                ));
                body.after.push(t("invitation-expiry", &args));
                t("invitation-subject", &line)
            }
            MailContent::PasswordReset { token } => {
                body.paragraphs.push(t("reset-body", &args));
                body.link = Some((
                    t("set-password-link", &args),
                    set_password_url(portal_url, token),
                ));
                body.after.push(t("reset-expiry", &args));
                t("reset-subject", &args)
            }
            MailContent::ManagerAccount { token, installer } => {
                args.set("installer", installer.clone());
                args.set("email", m.to.clone());
                body.paragraphs.push(t("manager-account-body", &args));
                body.link = Some((
                    t("set-password-link", &args),
                    manager_password_url(portal_url, token),
                ));
                body.after.push(t("invitation-expiry", &args));
                t("manager-account-subject", &args)
            }
            MailContent::ManagerPasswordReset { token } => {
                body.paragraphs.push(t("manager-reset-body", &args));
                body.link = Some((
                    t("set-password-link", &args),
                    manager_password_url(portal_url, token),
                ));
                body.after.push(t("manager-reset-expiry", &args));
                t("manager-reset-subject", &args)
            }
        };
        Rendered {
            subject,
            text: body.text(&greeting, &footer),
            html: body.html(&greeting, &footer),
            language: language.tag(),
        }
    }
}

/// Where an end user's link leads: the portal's page that sets the password with
/// `ResidentService.SetResidentPassword`.
pub fn set_password_url(portal_url: &str, token: &str) -> String {
    format!(
        "{}/resident/password?token={token}",
        portal_url.trim_end_matches('/')
    )
}

/// Where a property manager's link leads: the portal's page that sets the password with
/// `AuthService.SetPasswordFromLink`.
pub fn manager_password_url(portal_url: &str, token: &str) -> String {
    format!(
        "{}/account/password?token={token}",
        portal_url.trim_end_matches('/')
    )
}

fn line_args(a: &ApartmentLine) -> FluentArgs<'static> {
    let mut args = FluentArgs::new();
    args.set("community", a.community.clone());
    args.set("building", a.building.clone());
    args.set("apartment", a.apartment.clone());
    args.set("date", a.date.clone());
    args
}

fn text(bundle: &FluentBundle<FluentResource>, id: &str, args: &FluentArgs) -> String {
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        return id.to_owned();
    };
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, Some(args), &mut errors)
        .into_owned()
}

/// The parts of a message body, written out as text or HTML.
#[derive(Default)]
struct Body {
    paragraphs: Vec<String>,
    list: Vec<String>,
    after: Vec<String>,
    /// (label, address)
    link: Option<(String, String)>,
}

impl Body {
    fn text(&self, greeting: &str, footer: &str) -> String {
        let mut out = format!("{greeting}\n\n");
        for p in &self.paragraphs {
            out.push_str(&format!("{p}\n\n"));
        }
        for item in &self.list {
            out.push_str(&format!("  - {item}\n"));
        }
        if !self.list.is_empty() {
            out.push('\n');
        }
        if let Some((label, href)) = &self.link {
            out.push_str(&format!("{label}: {href}\n\n"));
        }
        for p in &self.after {
            out.push_str(&format!("{p}\n\n"));
        }
        out.push_str(&format!("-- \n{footer}\n"));
        out
    }

    fn html(&self, greeting: &str, footer: &str) -> String {
        let mut out = String::from("<!DOCTYPE html><html><body>");
        out.push_str(&format!("<p>{}</p>", escape(greeting)));
        for p in &self.paragraphs {
            out.push_str(&format!("<p>{}</p>", escape(p)));
        }
        if !self.list.is_empty() {
            out.push_str("<ul>");
            for item in &self.list {
                out.push_str(&format!("<li>{}</li>", escape(item)));
            }
            out.push_str("</ul>");
        }
        if let Some((label, href)) = &self.link {
            out.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape(href),
                escape(label)
            ));
        }
        for p in &self.after {
            out.push_str(&format!("<p>{}</p>", escape(p)));
        }
        out.push_str(&format!(
            "<hr><p><small>{}</small></p></body></html>",
            escape(footer)
        ));
        out
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use porter_store::outbox::MailState;

    fn notice(language: Language, audience: Audience, days: u32, count: usize) -> MailMessage {
        let line = ApartmentLine {
            community_id: 7,
            community: "Luna <&>".into(),
            building: "B1".into(),
            apartment: "101".into(),
            date: "2026-11-30".into(),
        };
        MailMessage {
            id: 1,
            dedupe: "k".into(),
            installer_id: 1,
            to: "lily@example.com".into(),
            to_name: "Lily Zheng".into(),
            language,
            content: MailContent::ExpirationNotice {
                audience,
                days,
                apartments: vec![line; count],
                contact: "+49 30 1234".into(),
            },
            queued_ms: 0,
            state: MailState::Pending {
                attempts: 0,
                next_attempt_ms: 0,
                last_error: String::new(),
            },
        }
    }

    /// Every catalog has every message of English, with English's variables, and parses.
    #[test]
    fn every_catalog_is_complete() {
        let ids = |source: &str| -> Vec<String> {
            source
                .lines()
                .filter(|l| !l.starts_with([' ', '#']) && l.contains(" ="))
                .map(|l| l.split(" =").next().unwrap_or_default().to_owned())
                .collect()
        };
        let english = ids(CATALOGS[0].1);
        assert!(english.len() >= 10);
        for (language, source) in CATALOGS {
            let tag = language.tag();
            assert_eq!(ids(source), english, "{tag}");
            for var in [
                "$days",
                "$count",
                "$name",
                "$date",
                "$contact",
                "$community",
            ] {
                assert!(source.contains(var), "{tag} lacks {var}");
            }
        }
        let catalogs = Catalogs::load().expect("catalogs parse");
        for (language, _) in CATALOGS {
            let tag = language.tag();
            for audience in [Audience::EndUser, Audience::PropertyManager] {
                let r = catalogs.render(&notice(language, audience, 5, 2), "https://p");
                assert!(
                    !r.subject.contains('{') && !r.text.contains('{'),
                    "{tag}: {r:?}"
                );
                assert!(
                    !r.text.contains("expiration-"),
                    "{tag}: a message is missing"
                );
                assert_eq!(r.language, tag);
            }
        }
    }

    #[test]
    fn invitations_and_resets_carry_their_link_in_every_language() {
        let c = Catalogs::load().unwrap();
        for (language, _) in CATALOGS {
            let mut m = notice(language, Audience::EndUser, 1, 1);
            m.content = MailContent::AccountInvitation {
                token: "tok123".into(),
                apartment: ApartmentLine {
                    community_id: 7,
                    community: "Luna".into(),
                    building: "B1".into(),
                    apartment: "101".into(),
                    date: "2026-12-03".into(),
                },
                family_master: false,
            };
            let r = c.render(&m, "https://p/");
            assert!(
                r.subject.contains("Luna"),
                "{}: {}",
                language.tag(),
                r.subject
            );
            assert!(r.text.contains("https://p/resident/password?token=tok123"));
            assert!(
                r.text.contains("101") && !r.text.contains('{'),
                "{}",
                r.text
            );
            m.content = MailContent::PasswordReset {
                token: "tok456".into(),
            };
            let r = c.render(&m, "https://p");
            assert!(r.text.contains("https://p/resident/password?token=tok456"));
            assert!(
                !r.subject.contains("reset-") && !r.text.contains("reset-"),
                "{r:?}"
            );
            m.content = MailContent::ManagerAccount {
                token: "tok789".into(),
                installer: "acme".into(),
            };
            m.to = "pat@example.com".into();
            let r = c.render(&m, "https://p");
            assert!(r.text.contains("https://p/account/password?token=tok789"));
            assert!(
                r.text.contains("acme") && r.text.contains("pat@example.com"),
                "{}: {}",
                language.tag(),
                r.text
            );
            m.content = MailContent::ManagerPasswordReset {
                token: "tokabc".into(),
            };
            let r = c.render(&m, "https://p");
            assert!(r.html.contains("https://p/account/password?token=tokabc"));
            assert!(
                !r.subject.contains("manager-") && !r.text.contains("manager-"),
                "{r:?}"
            );
        }
    }

    #[test]
    fn plurals_follow_the_language() {
        let c = Catalogs::load().unwrap();
        let subject = |language, days, count| {
            c.render(&notice(language, Audience::Installer, days, count), "")
                .subject
        };
        assert_eq!(
            subject(Language::English, 1, 1),
            "App service expired 1 day ago: 1 apartment"
        );
        assert_eq!(
            subject(Language::English, 15, 3),
            "App service expired 15 days ago: 3 apartments"
        );
        assert!(subject(Language::Russian, 3, 2).ends_with("3 дня назад: 2 квартиры"));
        assert!(subject(Language::Russian, 5, 5).ends_with("5 дней назад: 5 квартир"));
        assert!(subject(Language::Polish, 5, 22).ends_with("5 dni temu: 22 mieszkania"));
        assert!(subject(Language::Bosnian, 1, 5).ends_with("1 dan: 5 stanova"));
    }

    #[test]
    fn end_users_get_their_date_and_contact_staff_get_the_link() {
        let c = Catalogs::load().unwrap();
        let r = c.render(
            &notice(Language::English, Audience::EndUser, 1, 1),
            "https://p/",
        );
        assert_eq!(r.subject, "Your app service expired 1 day ago");
        assert!(r.text.starts_with("Hello Lily Zheng,\n"));
        assert!(r.text.contains("expired on 2026-11-30"), "{}", r.text);
        assert!(r.text.contains("+49 30 1234"));
        assert!(!r.text.contains("https://"));
        let r = c.render(
            &notice(Language::English, Audience::Installer, 15, 1),
            "https://p/",
        );
        assert!(
            r.text
                .contains("Renew the service: https://p/communities/7/subscriptions")
        );
        assert!(
            r.html
                .contains("<a href=\"https://p/communities/7/subscriptions\">")
        );
        assert!(
            r.html.contains("Luna &lt;&amp;&gt;"),
            "HTML is escaped: {}",
            r.html
        );
        assert!(r.text.contains("Luna <&>"));
    }
}
