# Porter's email messages (fr). Every message of en.ftl, with the same variables.

days-ago =
    { $days ->
        [one] { $days } jour
       *[other] { $days } jours
    }
apartment-count =
    { $count ->
        [one] { $count } appartement
       *[other] { $count } appartements
    }
expiration-subject-end-user = Votre service d’application a expiré il y a { days-ago }
expiration-subject-staff = Service d’application expiré depuis { days-ago } : { apartment-count }
greeting = Bonjour { $name },
expiration-end-user = Le service d’application de votre appartement a expiré le { $date }. Les appels et les fonctions de l’application sont indisponibles jusqu’à son renouvellement.
expiration-staff = Le service d’application de ces appartements a expiré il y a { days-ago } :
apartment-line = { $community } · { $building } · { $apartment } (expiré le { $date })
renew-contact = Pour le renouveler, contactez votre gestionnaire ou votre installateur : { $contact }
renew-contact-none = Pour le renouveler, contactez votre gestionnaire ou votre installateur.
renew-link = Renouveler le service
renewal-subject = Votre service d’application a été renouvelé
renewal-body = Le service d’application de l’appartement { $apartment } ({ $building }, { $community }) a été renouvelé jusqu’au { $date }.
footer = Ce message a été envoyé automatiquement ; merci de ne pas y répondre.
