# Porter's email messages (tr). Every message of en.ftl, with the same variables.

days-ago = { $days } gün
apartment-count = { $count } daire
expiration-subject-end-user = Uygulama hizmetinizin süresi { days-ago } önce doldu
expiration-subject-staff = Uygulama hizmetinin süresi { days-ago } önce doldu: { apartment-count }
greeting = Merhaba { $name },
expiration-end-user = Dairenizin uygulama hizmetinin süresi { $date } tarihinde doldu. Hizmet yenilenene kadar uygulama aramaları ve özellikleri kullanılamaz.
expiration-staff = Aşağıdaki dairelerin uygulama hizmetinin süresi { days-ago } önce doldu:
apartment-line = { $community } · { $building } · { $apartment } (süresi { $date } tarihinde doldu)
renew-contact = Yenilemek için site yöneticinize veya kurulumcunuza başvurun: { $contact }
renew-contact-none = Yenilemek için site yöneticinize veya kurulumcunuza başvurun.
renew-link = Hizmeti yenile
renewal-subject = Uygulama hizmetiniz yenilendi
renewal-body = { $community }, { $building }, { $apartment } numaralı dairenin uygulama hizmeti { $date } tarihine kadar yenilendi.
footer = Bu ileti otomatik olarak gönderilmiştir; lütfen yanıtlamayın.
invitation-subject = { $community } için uygulama hesabınız
invitation-body = Sakin uygulaması için bir hesap oluşturuldu: { $apartment } numaralı daire ({ $building }, { $community }). Giriş yapmak için şifrenizi belirleyin:
invitation-body-member = { $apartment } numaralı dairenin ({ $building }, { $community }) aile üyesi olarak eklendiniz. Sakin uygulamasına giriş yapmak için şifrenizi belirleyin:
set-password-link = Şifrenizi belirleyin
invitation-expiry = Bağlantı 7 gün boyunca yalnızca bir kez çalışır.
reset-subject = Uygulama şifrenizi sıfırlayın
reset-body = Sakin uygulaması hesabınızın şifresinin sıfırlanması istendi. Bu siz iseniz yeni bir şifre belirleyin:
reset-expiry = Bağlantı bir saat boyunca yalnızca bir kez çalışır. Bunu siz istemediyseniz bu iletiyi yok sayın.
