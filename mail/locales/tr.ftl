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
