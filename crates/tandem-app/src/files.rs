//! Files both ways: people and widget visitors upload files that a message then carries, and
//! customers' media is fetched from the providers (`media_fetch`). Every file's type is read from
//! its content, never taken from the sender, and only the types of `inspect` are kept; the
//! content is kept by the `FileContents` port under the file's id, its record by the store.
//! Providers download what agents send from a link that works for a day (`file_link`).

use jiff::SignedDuration;

use tandem_domain::contact::{Identity, IdentityKind};
use tandem_domain::id::{AccountId, ContactId, ConversationId, FileId, InboxId};
use tandem_domain::inbox::Inbox;
use tandem_domain::message::{Attachment, AttachmentKind, Message};
use tandem_store::{StoreError, StoredFile};

use crate::auth::Principal;
use crate::file_types::{clean_file_name, inspect};
use crate::{App, AppError};

/// How long a link given to a provider to download a file works.
const FILE_LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(24);

/// A stored file as a message's attachment.
pub fn attachment_of(file: &StoredFile) -> Attachment {
    Attachment {
        mime_type: Some(file.mime_type.clone()),
        sha256: Some(file.sha256.clone()),
        file_name: file.file_name.clone(),
        file_id: Some(file.id),
        size_bytes: Some(file.size_bytes),
        ..Attachment::of_kind(file.kind)
    }
}

/// Where a file's content goes before it is stored.
pub(crate) struct NewFile<'a> {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    pub conversation_id: Option<ConversationId>,
    pub name: Option<&'a str>,
    /// The kind the provider said, kept when the content agrees (a sticker is an image).
    pub kind: Option<AttachmentKind>,
}

impl App {
    /// The largest file kept.
    pub fn max_file_bytes(&self) -> u64 {
        self.settings.max_file_bytes
    }

    /// Checks and keeps a file's content and records it.
    pub(crate) async fn keep_file(
        &self,
        new: NewFile<'_>,
        content: &[u8],
    ) -> Result<StoredFile, AppError> {
        let inspected = inspect(content, self.max_file_bytes())?;
        let kind = match new.kind {
            Some(AttachmentKind::Sticker) if inspected.kind == AttachmentKind::Image => {
                AttachmentKind::Sticker
            }
            _ => inspected.kind,
        };
        let file = StoredFile {
            id: FileId::generate(),
            account_id: new.account_id,
            inbox_id: new.inbox_id,
            contact_id: new.contact_id,
            conversation_id: new.conversation_id,
            message_id: None,
            kind,
            mime_type: inspected.mime_type.to_owned(),
            file_name: new.name.and_then(clean_file_name),
            size_bytes: content.len() as u64,
            sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(content)),
            created_at: self.now(),
        };
        self.ports
            .files
            .put(file.account_id, file.id, content)
            .await
            .map_err(|error| AppError::Internal(format!("keeping a file: {error}")))?;
        Ok(file)
    }

    /// Keeps the content of attachment `attachment` of a customer's stored `message` (about
    /// the contact `contact_id`, in the inbox `inbox_id`), as that message's file; its record
    /// is the caller's to write with the attachment.
    pub(crate) async fn keep_attachment_file(
        &self,
        message: &Message,
        attachment: &Attachment,
        inbox_id: InboxId,
        contact_id: ContactId,
        content: &[u8],
    ) -> Result<StoredFile, AppError> {
        let new = NewFile {
            account_id: message.account_id,
            inbox_id,
            contact_id,
            conversation_id: Some(message.conversation_id),
            name: attachment.file_name.as_deref(),
            kind: Some(attachment.kind),
        };
        let mut file = self.keep_file(new, content).await?;
        file.message_id = Some(message.id);
        Ok(file)
    }

    /// A file a person uploads to a conversation, to send with a message.
    pub async fn upload_file(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
        name: Option<&str>,
        content: &[u8],
    ) -> Result<StoredFile, AppError> {
        let account_id = principal.account_id();
        let conversation = self.store.conversation(account_id, conversation_id).await?;
        let new = NewFile {
            account_id,
            inbox_id: conversation.inbox_id,
            contact_id: conversation.contact_id,
            conversation_id: Some(conversation.id),
            name,
            kind: None,
        };
        let file = self.keep_file(new, content).await?;
        self.record_file(&file).await?;
        Ok(file)
    }

    /// A file a widget visitor uploads, to send with their next message.
    pub async fn visitor_upload(
        &self,
        inbox: &Inbox,
        visitor_id: &str,
        name: Option<&str>,
        content: &[u8],
    ) -> Result<StoredFile, AppError> {
        let visitor = visitor_identity(visitor_id);
        let contact_id = match self
            .store
            .visitor_contact(inbox.account_id, &visitor, self.now())
            .await
        {
            Err(StoreError::Conflict { .. }) => {
                self.store
                    .visitor_contact(inbox.account_id, &visitor, self.now())
                    .await?
            }
            other => other?,
        };
        let new = NewFile {
            account_id: inbox.account_id,
            inbox_id: inbox.id,
            contact_id,
            conversation_id: None,
            name,
            kind: None,
        };
        let file = self.keep_file(new, content).await?;
        self.record_file(&file).await?;
        Ok(file)
    }

    /// Records a kept file; the content goes again if the record cannot be written.
    async fn record_file(&self, file: &StoredFile) -> Result<(), AppError> {
        if let Err(error) = self.store.insert_file(file).await {
            self.remove_contents(file.account_id, &[file.id]).await;
            return Err(error.into());
        }
        Ok(())
    }

    /// A file of the account with its content, for the account's people.
    pub async fn file_content(
        &self,
        account_id: AccountId,
        file_id: FileId,
    ) -> Result<(StoredFile, Vec<u8>), AppError> {
        let file = self.store.file(account_id, file_id).await?;
        let content = self.content_of(&file).await?;
        Ok((file, content))
    }

    /// A file a widget visitor may open, with its content: see [`App::visitor_file_record`].
    pub async fn visitor_file(
        &self,
        inbox: &Inbox,
        visitor_id: &str,
        file_id: FileId,
    ) -> Result<(StoredFile, Vec<u8>), AppError> {
        let file = self.visitor_file_record(inbox, visitor_id, file_id).await?;
        let content = self.content_of(&file).await?;
        Ok((file, content))
    }

    /// A file a widget visitor may open: one of their own uploads, or a file of a message they
    /// were sent or sent themselves (never a private note's).
    pub(crate) async fn visitor_file_record(
        &self,
        inbox: &Inbox,
        visitor_id: &str,
        file_id: FileId,
    ) -> Result<StoredFile, AppError> {
        let not_found = AppError::NotFound { entity: "file" };
        let file = self.store.file(inbox.account_id, file_id).await?;
        let visitor = self
            .store
            .visitor_contact_id(inbox.account_id, &visitor_identity(visitor_id))
            .await?;
        if file.inbox_id != inbox.id || visitor != Some(file.contact_id) {
            return Err(not_found);
        }
        if let Some(message_id) = file.message_id {
            let message = self.store.message(inbox.account_id, message_id).await?;
            if message.is_private {
                return Err(not_found);
            }
        } else if file.conversation_id.is_some() {
            return Err(not_found);
        }
        Ok(file)
    }

    /// A file by the link given to a provider, while the link works.
    pub async fn linked_file(
        &self,
        file_id: FileId,
        token: &str,
    ) -> Result<(StoredFile, Vec<u8>), AppError> {
        let not_found = AppError::NotFound { entity: "file" };
        let opened = self
            .channels()
            .sealer()
            .open(token, &link_context(file_id))
            .map_err(|_| AppError::NotFound { entity: "file" })?;
        let (account, expires) = std::str::from_utf8(&opened)
            .ok()
            .and_then(|text| text.split_once(' '))
            .ok_or(AppError::NotFound { entity: "file" })?;
        let account_id = account
            .parse::<uuid::Uuid>()
            .map(AccountId)
            .map_err(|_| AppError::NotFound { entity: "file" })?;
        let expires = expires
            .parse::<i64>()
            .map_err(|_| AppError::NotFound { entity: "file" })?;
        if self.now().as_millisecond() > expires {
            return Err(not_found);
        }
        self.file_content(account_id, file_id).await
    }

    /// A link to `file` a provider can download it from for [`FILE_LINK_LIFETIME`].
    pub(crate) fn file_link(&self, file: &StoredFile) -> String {
        let expires = self
            .now()
            .saturating_add(FILE_LINK_LIFETIME)
            .map_or(i64::MAX, |at| at.as_millisecond());
        let token = self.channels().sealer().seal(
            format!("{} {expires}", file.account_id.0).as_bytes(),
            &link_context(file.id),
        );
        let token: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
        format!(
            "{}/api/v1/file_links/{}?token={token}",
            self.channels().public_url,
            file.id
        )
    }

    /// The content of a recorded file.
    async fn content_of(&self, file: &StoredFile) -> Result<Vec<u8>, AppError> {
        self.ports
            .files
            .get(file.account_id, file.id)
            .await
            .map_err(|error| AppError::Internal(format!("reading a file: {error}")))?
            .ok_or(AppError::NotFound { entity: "file" })
    }

    /// The attachment a person's message carries for an upload to `conversation_id`.
    pub(crate) async fn upload_attachment(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        file_id: FileId,
    ) -> Result<Attachment, AppError> {
        let file = match self.store.file(account_id, file_id).await {
            Err(StoreError::NotFound { .. }) => None,
            other => Some(other?),
        };
        match file {
            Some(file)
                if file.conversation_id == Some(conversation_id) && file.message_id.is_none() =>
            {
                Ok(attachment_of(&file))
            }
            _ => Err(AppError::invalid(
                "file_id",
                "unknown_file",
                "no file uploaded to this conversation and not sent yet has this id",
            )),
        }
    }

    /// Removes stored contents (after their records went); a failure is logged and left to
    /// the sweep.
    pub(crate) async fn remove_contents(&self, account_id: AccountId, ids: &[FileId]) {
        for id in ids {
            if let Err(error) = self.ports.files.remove(account_id, *id).await {
                tracing::warn!(%account_id, file_id = %id, %error, "removing a file's content failed; the sweep retries");
            }
        }
    }
}

/// The sealing context of a file's download link.
fn link_context(file_id: FileId) -> Vec<u8> {
    let mut context = b"file-link:".to_vec();
    context.extend_from_slice(file_id.0.as_bytes());
    context
}

/// A widget visitor's identity.
fn visitor_identity(visitor_id: &str) -> Identity {
    Identity {
        kind: IdentityKind::WebVisitor,
        value: visitor_id.to_owned(),
    }
}
