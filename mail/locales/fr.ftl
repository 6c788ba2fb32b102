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
invitation-subject = Votre compte d’application pour { $community }
invitation-body = Un compte de l’application des résidents a été créé pour vous : appartement { $apartment } ({ $building }, { $community }). Choisissez votre mot de passe pour vous connecter :
invitation-body-member = Vous avez été ajouté comme membre de la famille de l’appartement { $apartment } ({ $building }, { $community }). Choisissez votre mot de passe pour vous connecter à l’application des résidents :
set-password-link = Choisir le mot de passe
invitation-expiry = Le lien fonctionne une seule fois, pendant 7 jours.
reset-subject = Réinitialisez le mot de passe de l’application
reset-body = Une réinitialisation du mot de passe de votre compte de l’application des résidents a été demandée. Si c’est vous, choisissez un nouveau mot de passe :
reset-expiry = Le lien fonctionne une seule fois, pendant une heure. Si vous ne l’avez pas demandé, ignorez ce message.
manager-account-subject = Votre compte de gestionnaire immobilier
manager-account-body = { $installer } a créé pour vous un compte de gestionnaire immobilier. Vous vous connectez au portail avec votre adresse e-mail, { $email }. Choisissez votre mot de passe pour vous connecter :
manager-reset-subject = Réinitialisez votre mot de passe du portail
manager-reset-body = Un nouveau mot de passe a été demandé pour votre compte de gestionnaire immobilier, par votre installateur ou depuis la page de connexion. Choisissez un nouveau mot de passe :
manager-reset-expiry = Le lien fonctionne une seule fois, pendant 24 heures. Si vous ne l’attendiez pas, ignorez ce message : votre mot de passe reste inchangé.
