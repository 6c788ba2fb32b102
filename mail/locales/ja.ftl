# Porter's email messages (ja). Every message of en.ftl, with the same variables.

days-ago = { $days }日
apartment-count = { $count }戸
expiration-subject-end-user = アプリサービスの有効期限が{ days-ago }前に切れました
expiration-subject-staff = アプリサービスの期限切れから{ days-ago }：{ apartment-count }
greeting = { $name } 様
expiration-end-user = お住まいの住戸のアプリサービスは{ $date }に有効期限が切れました。更新されるまで、アプリでの通話と機能はご利用いただけません。
expiration-staff = 次の住戸のアプリサービスは{ days-ago }前に有効期限が切れました：
apartment-line = { $community } · { $building } · { $apartment }（{ $date }に期限切れ）
renew-contact = 更新については、管理会社または設置業者にお問い合わせください：{ $contact }
renew-contact-none = 更新については、管理会社または設置業者にお問い合わせください。
renew-link = サービスを更新する
renewal-subject = アプリサービスが更新されました
renewal-body = { $community } { $building } { $apartment } のアプリサービスは{ $date }まで更新されました。
footer = このメールは自動送信されています。返信しないでください。
invitation-subject = { $community } のアプリアカウント
invitation-body = 居住者アプリのアカウントが作成されました：{ $community } { $building } { $apartment }。ログインするにはパスワードを設定してください：
invitation-body-member = { $community } { $building } { $apartment } の家族メンバーとして追加されました。居住者アプリにログインするにはパスワードを設定してください：
set-password-link = パスワードを設定する
invitation-expiry = このリンクは7日間、1回だけ使えます。
reset-subject = アプリのパスワードの再設定
reset-body = 居住者アプリのアカウントのパスワード再設定が依頼されました。ご本人の場合は新しいパスワードを設定してください：
reset-expiry = このリンクは1時間、1回だけ使えます。心当たりがない場合は、このメールを無視してください。
