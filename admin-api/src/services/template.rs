//! TemplateService: the import template and imports of it.

use porter_proto::admin::v1::{self as pb, template_service_server::TemplateService};
use porter_store::StoreError;
use porter_store::template::{TemplateFormat, template};
use tonic::{Request, Response};

use crate::AdminApi;
use crate::convert;
use crate::error::{ApiResult, invalid, status};

#[tonic::async_trait]
impl TemplateService for AdminApi {
    async fn download_template(
        &self,
        request: Request<pb::DownloadTemplateRequest>,
    ) -> ApiResult<pb::TemplateFile> {
        self.actor(&request)?;
        let (format, filename, content_type) =
            match pb::TemplateFormat::try_from(request.into_inner().format) {
                Ok(pb::TemplateFormat::Unspecified | pb::TemplateFormat::Xlsx) => (
                    TemplateFormat::Xlsx,
                    "porter-import-template.xlsx",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                Ok(pb::TemplateFormat::Csv) => (
                    TemplateFormat::Csv,
                    "porter-import-template.csv",
                    "text/csv",
                ),
                Err(_) => return Err(invalid("format", "is not a known template format")),
            };
        let content = template(format).map_err(status)?;
        Ok(Response::new(pb::TemplateFile {
            filename: filename.into(),
            content_type: content_type.into(),
            content,
        }))
    }

    async fn import_template(
        &self,
        request: Request<pb::ImportTemplateRequest>,
    ) -> ApiResult<pb::ImportTemplateResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        match self
            .store
            .import_template(&actor, r.community_id, &r.file)
            .await
        {
            Ok(done) => Ok(Response::new(pb::ImportTemplateResponse {
                committed: true,
                buildings_created: done.buildings_created,
                apartments: done.apartments,
                residents: done.residents,
                devices: done.devices,
                errors: Vec::new(),
            })),
            Err(StoreError::Rows(rows)) => Ok(Response::new(pb::ImportTemplateResponse {
                committed: false,
                errors: convert::row_errors(rows),
                ..Default::default()
            })),
            Err(e) => Err(status(e)),
        }
    }
}
