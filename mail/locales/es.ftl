# Porter's email messages (es). Every message of en.ftl, with the same variables.

days-ago =
    { $days ->
        [one] { $days } día
       *[other] { $days } días
    }
apartment-count =
    { $count ->
        [one] { $count } apartamento
       *[other] { $count } apartamentos
    }
expiration-subject-end-user = Su servicio de la aplicación caducó hace { days-ago }
expiration-subject-staff = Servicio de la aplicación caducado hace { days-ago }: { apartment-count }
greeting = Hola, { $name }:
expiration-end-user = El servicio de la aplicación de su apartamento caducó el { $date }. Las llamadas y las funciones de la aplicación no estarán disponibles hasta que se renueve.
expiration-staff = El servicio de la aplicación de estos apartamentos caducó hace { days-ago }:
apartment-line = { $community } · { $building } · { $apartment } (caducó el { $date })
renew-contact = Para renovarlo, póngase en contacto con su administrador o instalador: { $contact }
renew-contact-none = Para renovarlo, póngase en contacto con su administrador o instalador.
renew-link = Renovar el servicio
renewal-subject = Su servicio de la aplicación se ha renovado
renewal-body = El servicio de la aplicación del apartamento { $apartment } ({ $building }, { $community }) se ha renovado hasta el { $date }.
footer = Este mensaje se ha enviado automáticamente; no responda a él.
invitation-subject = Su cuenta de la aplicación en { $community }
invitation-body = Se ha creado su cuenta de la aplicación para residentes: apartamento { $apartment } ({ $building }, { $community }). Establezca su contraseña para iniciar sesión:
invitation-body-member = Se le ha añadido como miembro de la familia del apartamento { $apartment } ({ $building }, { $community }). Establezca su contraseña para iniciar sesión en la aplicación para residentes:
set-password-link = Establecer la contraseña
invitation-expiry = El enlace funciona una sola vez durante 7 días.
reset-subject = Restablezca la contraseña de la aplicación
reset-body = Se ha solicitado restablecer la contraseña de su cuenta de la aplicación para residentes. Si fue usted, establezca una nueva contraseña:
reset-expiry = El enlace funciona una sola vez durante una hora. Si no lo solicitó, ignore este mensaje.
manager-account-subject = Su cuenta de administrador de la propiedad
manager-account-body = { $installer } ha creado para usted una cuenta de administrador de la propiedad. Inicia sesión en el portal con su dirección de correo, { $email }. Establezca su contraseña para iniciar sesión:
manager-reset-subject = Restablezca su contraseña del portal
manager-reset-body = Se ha solicitado una nueva contraseña para su cuenta de administrador de la propiedad, por su instalador o desde la página de inicio de sesión. Establezca una nueva contraseña:
manager-reset-expiry = El enlace funciona una sola vez, durante 24 horas. Si no lo esperaba, ignore este mensaje: su contraseña no cambia.
