//! CredentialService: PIN codes, RF cards, faces and visitor/delivery keys.

use porter_proto::admin::v1::{self as pb, credential_service_server::CredentialService};
use porter_store::model::{
    Credential, DoorChoice, Doors, Holder, KeyFormat, Method, Repeat, Validity,
};
use porter_store::ops::credentials::{holder_name, is_spent};
use porter_store::{CredentialFilter, CredentialInput, Directory, KeyInput, PageRequest};
use tonic::{Request, Response};

use crate::AdminApi;
use crate::error::{ApiResult, invalid, status};

fn method_in(v: i32) -> Result<Option<Method>, tonic::Status> {
    Ok(match pb::CredentialMethod::try_from(v) {
        Ok(pb::CredentialMethod::Unspecified) => None,
        Ok(pb::CredentialMethod::Pin) => Some(Method::Pin),
        Ok(pb::CredentialMethod::RfCard) => Some(Method::RfCard),
        Ok(pb::CredentialMethod::Face) => Some(Method::Face),
        Ok(pb::CredentialMethod::Key) => Some(Method::Key),
        Err(_) => return Err(invalid("method", format!("{v} is not a known value"))),
    })
}

fn method_pb(m: Method) -> pb::CredentialMethod {
    match m {
        Method::Pin => pb::CredentialMethod::Pin,
        Method::RfCard => pb::CredentialMethod::RfCard,
        Method::Face => pb::CredentialMethod::Face,
        Method::Key => pb::CredentialMethod::Key,
    }
}

fn holder_in(h: Option<pb::CredentialHolder>) -> Result<Holder, tonic::Status> {
    let h = h.unwrap_or_default();
    match pb::HolderKind::try_from(h.kind) {
        Ok(pb::HolderKind::Resident) => Ok(Holder::Resident),
        Ok(pb::HolderKind::FamilyMember) => Ok(Holder::FamilyMember(h.family_member_id)),
        Ok(pb::HolderKind::Visitor) => Ok(Holder::Visitor(h.name)),
        Ok(pb::HolderKind::Delivery) => Ok(Holder::Delivery(h.name)),
        Ok(pb::HolderKind::Unspecified) => Err(invalid(
            "holder.kind",
            "is required (resident, family member, visitor or delivery)",
        )),
        Err(_) => Err(invalid(
            "holder.kind",
            format!("{} is not a known value", h.kind),
        )),
    }
}

fn doors_in(d: Option<pb::Doors>) -> Result<Doors, tonic::Status> {
    let d = d.unwrap_or_default();
    match pb::DoorArea::try_from(d.area) {
        Ok(pb::DoorArea::Unspecified | pb::DoorArea::All) => Ok(Doors::All),
        Ok(pb::DoorArea::Public) => Ok(Doors::PublicArea),
        Ok(pb::DoorArea::Chosen) => d
            .chosen
            .into_iter()
            .map(|c| {
                let relays = c
                    .relays
                    .into_iter()
                    .map(|r| u8::try_from(r).map_err(|_| invalid("doors", "relays are 1 to 4")))
                    .collect::<Result<_, _>>()?;
                Ok(DoorChoice {
                    device_id: c.device_id,
                    relays,
                })
            })
            .collect::<Result<_, _>>()
            .map(Doors::Chosen),
        Err(_) => Err(invalid(
            "doors.area",
            format!("{} is not a known value", d.area),
        )),
    }
}

fn validity_in(v: pb::KeyValidity) -> Result<Validity, tonic::Status> {
    let minute = |field: &str, m: u32| {
        u16::try_from(m).map_err(|_| invalid(field, "must be a time of day (00:00 to 23:59)"))
    };
    let repeat = match pb::KeyRepeat::try_from(v.repeat) {
        Ok(pb::KeyRepeat::Never) => Repeat::Never,
        Ok(pb::KeyRepeat::Daily) => Repeat::Daily,
        Ok(pb::KeyRepeat::Weekly) => Repeat::Weekly {
            days: u8::try_from(v.weekdays)
                .map_err(|_| invalid("validity.days", "weekdays are bits 0 to 6"))?,
        },
        Err(_) => {
            return Err(invalid(
                "validity.repeat",
                format!("{} is not a known value", v.repeat),
            ));
        }
    };
    Ok(Validity {
        from_ms: v.from_ms,
        until_ms: v.until_ms,
        repeat,
        day_start_min: minute("validity.day_start", v.day_start_minute)?,
        day_end_min: minute("validity.day_end", v.day_end_minute)?,
        max_uses: (v.max_uses != 0).then_some(v.max_uses),
    })
}

fn validity_pb(v: &Validity) -> pb::KeyValidity {
    let (repeat, weekdays) = match v.repeat {
        Repeat::Never => (pb::KeyRepeat::Never, 0),
        Repeat::Daily => (pb::KeyRepeat::Daily, 0),
        Repeat::Weekly { days } => (pb::KeyRepeat::Weekly, u32::from(days)),
    };
    pb::KeyValidity {
        from_ms: v.from_ms,
        until_ms: v.until_ms,
        repeat: repeat as i32,
        weekdays,
        day_start_minute: u32::from(v.day_start_min),
        day_end_minute: u32::from(v.day_end_min),
        max_uses: v.max_uses.unwrap_or(0),
    }
}

pub(crate) fn input(r: pb::CreateCredentialRequest) -> Result<CredentialInput, tonic::Status> {
    let method = method_in(r.method)?.ok_or_else(|| {
        invalid(
            "method",
            "is required (PIN code, RF card, face or visitor key)",
        )
    })?;
    let key = if method == Method::Key {
        let format = match pb::KeyFormat::try_from(r.key_format) {
            Ok(pb::KeyFormat::Qr) => KeyFormat::Qr,
            Ok(pb::KeyFormat::Pin | pb::KeyFormat::Unspecified) => KeyFormat::Pin,
            Err(_) => return Err(invalid("key_format", "is not a known value")),
        };
        let validity = r
            .validity
            .ok_or_else(|| invalid("validity", "a key needs its validity window"))?;
        Some(KeyInput {
            format,
            validity: validity_in(validity)?,
            floors: r.floors,
        })
    } else {
        None
    };
    Ok(CredentialInput {
        apartment_id: (r.apartment_id != 0).then_some(r.apartment_id),
        holder: holder_in(r.holder)?,
        method,
        value: r.value,
        face_photo: (method == Method::Face).then(|| r.face_photo.into()),
        key,
        doors: doors_in(r.doors)?,
    })
}

pub(crate) fn credential_pb(dir: &Directory, c: &Credential, now_ms: i64) -> pb::Credential {
    let apartment = c.apartment_id.and_then(|a| dir.apartment(a));
    let (kind, family_member_id) = match c.holder {
        Holder::Resident => (pb::HolderKind::Resident, 0),
        Holder::FamilyMember(id) => (pb::HolderKind::FamilyMember, id),
        Holder::Visitor(_) => (pb::HolderKind::Visitor, 0),
        Holder::Delivery(_) => (pb::HolderKind::Delivery, 0),
    };
    let doors = match &c.doors {
        Doors::All => pb::Doors {
            area: pb::DoorArea::All as i32,
            chosen: Vec::new(),
        },
        Doors::PublicArea => pb::Doors {
            area: pb::DoorArea::Public as i32,
            chosen: Vec::new(),
        },
        Doors::Chosen(list) => pb::Doors {
            area: pb::DoorArea::Chosen as i32,
            chosen: list
                .iter()
                .map(|d| pb::DoorChoice {
                    device_id: d.device_id,
                    relays: d.relays.iter().map(|r| u32::from(*r)).collect(),
                    device_name: dir
                        .device(d.device_id)
                        .map(|dev| dev.name.clone())
                        .unwrap_or_default(),
                })
                .collect(),
        },
    };
    pb::Credential {
        id: c.id,
        community_id: c.community_id,
        apartment_id: c.apartment_id.unwrap_or(0),
        apt_number: apartment.map(|a| a.number.clone()).unwrap_or_default(),
        building_name: apartment
            .and_then(|a| dir.building(a.building_id))
            .map(|b| b.name.clone())
            .unwrap_or_default(),
        holder: Some(pb::CredentialHolder {
            kind: kind as i32,
            family_member_id,
            name: holder_name(dir, c),
        }),
        method: method_pb(c.method) as i32,
        value: if c.method == Method::Face {
            String::new()
        } else {
            c.value.clone()
        },
        face: c.face.as_ref().map(|f| pb::FacePhotoInfo {
            content_type: f.format.content_type().to_owned(),
            width: f.width,
            height: f.height,
            size: f.size,
            sha256: f.sha256.clone(),
        }),
        key_format: match c.key.as_ref().map(|k| k.format) {
            Some(KeyFormat::Pin) => pb::KeyFormat::Pin as i32,
            Some(KeyFormat::Qr) => pb::KeyFormat::Qr as i32,
            None => pb::KeyFormat::Unspecified as i32,
        },
        validity: c.key.as_ref().map(|k| validity_pb(&k.validity)),
        uses: c.key.as_ref().map_or(0, |k| k.uses),
        floors: c.key.as_ref().map(|k| k.floors.clone()).unwrap_or_default(),
        doors: Some(doors),
        issued_by: c.issued_by.clone(),
        created_at_ms: c.created_at_ms,
        version: c.version,
        spent: is_spent(c, now_ms),
    }
}

impl AdminApi {
    fn credential_answer(&self, c: &Credential) -> pb::Credential {
        let now = self.store.now_ms();
        self.store.read(|dir| credential_pb(dir, c, now))
    }
}

#[tonic::async_trait]
impl CredentialService for AdminApi {
    async fn create_credential(
        &self,
        request: Request<pb::CreateCredentialRequest>,
    ) -> ApiResult<pb::Credential> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let community_id = r.community_id;
        let c = self
            .store
            .create_credential(&actor, community_id, input(r)?)
            .await
            .map_err(status)?;
        Ok(Response::new(self.credential_answer(&c)))
    }

    async fn get_credential(
        &self,
        request: Request<pb::CredentialRef>,
    ) -> ApiResult<pb::Credential> {
        let actor = self.actor(&request)?;
        let c = self
            .store
            .credential(&actor, request.into_inner().id)
            .map_err(status)?;
        Ok(Response::new(self.credential_answer(&c)))
    }

    async fn list_credentials(
        &self,
        request: Request<pb::ListCredentialsRequest>,
    ) -> ApiResult<pb::ListCredentialsResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let filter = CredentialFilter {
            apartment_id: (r.apartment_id != 0).then_some(r.apartment_id),
            method: method_in(r.method)?,
            include_spent: r.include_spent,
        };
        let page = self
            .store
            .list_credentials(
                &actor,
                r.community_id,
                &filter,
                PageRequest::new(r.page, r.page_size),
            )
            .map_err(status)?;
        let now = self.store.now_ms();
        let credentials = self.store.read(|dir| {
            page.items
                .iter()
                .map(|c| credential_pb(dir, c, now))
                .collect()
        });
        Ok(Response::new(pb::ListCredentialsResponse {
            credentials,
            total: page.total,
        }))
    }

    async fn delete_credential(&self, request: Request<pb::CredentialRef>) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        self.store
            .delete_credential(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn get_face_photo(
        &self,
        request: Request<pb::CredentialRef>,
    ) -> ApiResult<pb::FacePhotoFile> {
        let actor = self.actor(&request)?;
        let (format, data) = self
            .store
            .face_photo(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::FacePhotoFile {
            content_type: format.content_type().to_owned(),
            data,
        }))
    }
}
