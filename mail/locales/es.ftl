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
