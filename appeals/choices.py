"""Statement-of-reasons vocabularies. Values are the EU DSA Transparency Database's own, so export is a copy."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionAccount(models.TextChoices):
    SUSPENDED = "DECISION_ACCOUNT_SUSPENDED", _("Suspension of the account")
    TERMINATED = "DECISION_ACCOUNT_TERMINATED", _("Termination of the account")


class AccountType(models.TextChoices):
    BUSINESS = "ACCOUNT_TYPE_BUSINESS", _("Business")
    PRIVATE = "ACCOUNT_TYPE_PRIVATE", _("Private")


class DecisionGround(models.TextChoices):
    ILLEGAL_CONTENT = "DECISION_GROUND_ILLEGAL_CONTENT", _("Illegal content")
    INCOMPATIBLE_CONTENT = (
        "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        _("Content incompatible with the terms and conditions"),
    )


class Category(models.TextChoices):
    ANIMAL_WELFARE = "STATEMENT_CATEGORY_ANIMAL_WELFARE", _("Animal welfare")
    CONSUMER_INFORMATION = "STATEMENT_CATEGORY_CONSUMER_INFORMATION", _("Consumer information infringements")
    CYBER_VIOLENCE = "STATEMENT_CATEGORY_CYBER_VIOLENCE", _("Cyber violence")
    CYBER_VIOLENCE_AGAINST_WOMEN = "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN", _("Cyber violence against women")
    DATA_PROTECTION = (
        "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        _("Data protection and privacy violations"),
    )
    ILLEGAL_OR_HARMFUL_SPEECH = "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", _("Illegal or harmful speech")
    INTELLECTUAL_PROPERTY = (
        "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        _("Intellectual property infringements"),
    )
    CIVIC_DISCOURSE = (
        "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        _("Negative effects on civic discourse or elections"),
    )
    NOT_SPECIFIED_NOTICE = "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE", _("Type of alleged illegal content not specified")
    OTHER_VIOLATION_TC = "STATEMENT_CATEGORY_OTHER_VIOLATION_TC", _("Other violation of the terms and conditions")
    PROTECTION_OF_MINORS = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", _("Protection of minors")
    RISK_FOR_PUBLIC_SECURITY = "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", _("Risk for public security")
    SCAMS_AND_FRAUD = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", _("Scams and fraud")
    SELF_HARM = "STATEMENT_CATEGORY_SELF_HARM", _("Self-harm")
    UNSAFE_PRODUCTS = "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", _("Unsafe or prohibited products")
    VIOLENCE = "STATEMENT_CATEGORY_VIOLENCE", _("Violence")


class SourceType(models.TextChoices):
    ARTICLE_16 = "SOURCE_ARTICLE_16", _("A notice under Article 16 DSA")
    TRUSTED_FLAGGER = "SOURCE_TRUSTED_FLAGGER", _("A notice from a trusted flagger")
    OTHER_NOTIFICATION = "SOURCE_TYPE_OTHER_NOTIFICATION", _("Another kind of notification")
    VOLUNTARY = "SOURCE_VOLUNTARY", _("The platform's own initiative")


class AutomatedDecision(models.TextChoices):
    FULLY = "AUTOMATED_DECISION_FULLY", _("Fully automated")
    PARTIALLY = "AUTOMATED_DECISION_PARTIALLY", _("Partially automated")
    NOT_AUTOMATED = "AUTOMATED_DECISION_NOT_AUTOMATED", _("Not automated")


class ContentType(models.TextChoices):
    APP = "CONTENT_TYPE_APP", _("App")
    AUDIO = "CONTENT_TYPE_AUDIO", _("Audio")
    IMAGE = "CONTENT_TYPE_IMAGE", _("Image")
    PRODUCT = "CONTENT_TYPE_PRODUCT", _("Product")
    SYNTHETIC_MEDIA = "CONTENT_TYPE_SYNTHETIC_MEDIA", _("Synthetic media")
    TEXT = "CONTENT_TYPE_TEXT", _("Text")
    VIDEO = "CONTENT_TYPE_VIDEO", _("Video")
    OTHER = "CONTENT_TYPE_OTHER", _("Other")


class Keyword(models.TextChoices):
    """category_specification: the Transparency Database's keywords (its second, finer level of category)."""

    ADULT_SEXUAL_MATERIAL = "KEYWORD_ADULT_SEXUAL_MATERIAL", _("Adult sexual material")
    AGE_SPECIFIC_RESTRICTIONS = "KEYWORD_AGE_SPECIFIC_RESTRICTIONS", _("Age-specific restrictions")
    AGE_SPECIFIC_RESTRICTIONS_MINORS = (
        "KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS",
        _("Age-specific restrictions concerning minors"),
    )
    ANIMAL_HARM = "KEYWORD_ANIMAL_HARM", _("Animal harm")
    BIOMETRIC_DATA_BREACH = "KEYWORD_BIOMETRIC_DATA_BREACH", _("Biometric data breach")
    BULLYING_AGAINST_GIRLS = "KEYWORD_BULLYING_AGAINST_GIRLS", _("Cyber bullying and intimidation against girls")
    CHILD_SEXUAL_ABUSE_MATERIAL = "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL", _("Child sexual abuse material")
    CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE = (
        "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE",
        _("Child sexual abuse material containing deepfake or similar technology"),
    )
    CONTENT_PROMOTING_EATING_DISORDERS = (
        "KEYWORD_CONTENT_PROMOTING_EATING_DISORDERS",
        _("Content promoting eating disorders"),
    )
    COORDINATED_HARM = "KEYWORD_COORDINATED_HARM", _("Coordinated harm")
    COPYRIGHT_INFRINGEMENT = "KEYWORD_COPYRIGHT_INFRINGEMENT", _("Copyright infringements")
    CYBER_BULLYING_INTIMIDATION = "KEYWORD_CYBER_BULLYING_INTIMIDATION", _("Cyber bullying and intimidation")
    CYBER_HARASSMENT = "KEYWORD_CYBER_HARASSMENT", _("Cyber harassment")
    CYBER_HARASSMENT_AGAINST_WOMEN = "KEYWORD_CYBER_HARASSMENT_AGAINST_WOMEN", _("Cyber harassment against women")
    CYBER_INCITEMENT = "KEYWORD_CYBER_INCITEMENT", _("Cyber incitement to hatred or violence")
    CYBER_STALKING = "KEYWORD_CYBER_STALKING", _("Cyber stalking")
    CYBER_STALKING_AGAINST_WOMEN = "KEYWORD_CYBER_STALKING_AGAINST_WOMEN", _("Cyber stalking against women")
    DATA_FALSIFICATION = "KEYWORD_DATA_FALSIFICATION", _("Data falsification")
    DEFAMATION = "KEYWORD_DEFAMATION", _("Defamation")
    DESIGN_INFRINGEMENT = "KEYWORD_DESIGN_INFRINGEMENT", _("Design infringements")
    DISCRIMINATION = "KEYWORD_DISCRIMINATION", _("Discrimination")
    FEMALE_GENDERED_DISINFORMATION = "KEYWORD_FEMALE_GENDERED_DISINFORMATION", _("Gendered disinformation")
    GEOGRAPHIC_INDICATIONS_INFRINGEMENT = (
        "KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT",
        _("Geographic indications infringements"),
    )
    GEOGRAPHICAL_REQUIREMENTS = "KEYWORD_GEOGRAPHICAL_REQUIREMENTS", _("Geographical requirements")
    GOODS_SERVICES_NOT_PERMITTED = (
        "KEYWORD_GOODS_SERVICES_NOT_PERMITTED",
        _("Goods/services not permitted to be offered on the platform"),
    )
    GROOMING_SEXUAL_ENTICEMENT_MINORS = (
        "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS",
        _("Grooming/sexual enticement of minors"),
    )
    HATE_SPEECH = (
        "KEYWORD_HATE_SPEECH",
        _("Illegal incitement to violence and hatred based on protected characteristics (hate speech)"),
    )
    HIDDEN_ADVERTISEMENT = (
        "KEYWORD_HIDDEN_ADVERTISEMENT",
        _("Hidden advertisement or commercial communication, including by influencers"),
    )
    HUMAN_EXPLOITATION = "KEYWORD_HUMAN_EXPLOITATION", _("Human exploitation")
    HUMAN_TRAFFICKING = "KEYWORD_HUMAN_TRAFFICKING", _("Human trafficking")
    ILLEGAL_ORGANIZATIONS = "KEYWORD_ILLEGAL_ORGANIZATIONS", _("Illegal organizations")
    IMPERSONATION_ACCOUNT_HIJACKING = (
        "KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING",
        _("Impersonation or account hijacking"),
    )
    INAUTHENTIC_ACCOUNTS = "KEYWORD_INAUTHENTIC_ACCOUNTS", _("Inauthentic accounts")
    INAUTHENTIC_LISTINGS = "KEYWORD_INAUTHENTIC_LISTINGS", _("Inauthentic listings")
    INAUTHENTIC_USER_REVIEWS = "KEYWORD_INAUTHENTIC_USER_REVIEWS", _("Inauthentic user reviews")
    INCITEMENT_AGAINST_WOMEN = (
        "KEYWORD_INCITEMENT_AGAINST_WOMEN",
        _("Illegal incitement to violence and hatred against women"),
    )
    INCITEMENT_VIOLENCE_HATRED = (
        "KEYWORD_INCITEMENT_VIOLENCE_HATRED",
        _("General calls or incitement to violence and/or hatred"),
    )
    INSUFFICIENT_INFORMATION_ON_TRADERS = (
        "KEYWORD_INSUFFICIENT_INFORMATION_ON_TRADERS",
        _("Insufficient information on traders"),
    )
    LANGUAGE_REQUIREMENTS = "KEYWORD_LANGUAGE_REQUIREMENTS", _("Language requirements")
    MISINFORMATION_DISINFORMATION = (
        "KEYWORD_MISINFORMATION_DISINFORMATION",
        _("Misinformation, disinformation, foreign information manipulation and interference"),
    )
    MISLEADING_INFO_CONSUMER_RIGHTS = (
        "KEYWORD_MISLEADING_INFO_CONSUMER_RIGHTS",
        _("Misleading information about the consumer's rights"),
    )
    MISLEADING_INFO_GOODS_SERVICES = (
        "KEYWORD_MISLEADING_INFO_GOODS_SERVICES",
        _("Misleading information about the characteristics of the goods and services"),
    )
    MISSING_PROCESSING_GROUND = "KEYWORD_MISSING_PROCESSING_GROUND", _("Missing processing ground for data")
    NON_CONSENSUAL_IMAGE_SHARING = (
        "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING",
        _("Non-consensual (intimate) material sharing"),
    )
    NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN = (
        "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN",
        _("Non-consensual (intimate) material sharing against women"),
    )
    NON_CONSENSUAL_MATERIAL_DEEPFAKE = (
        "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE",
        _("Non-consensual sharing of material containing deepfake or similar technology"),
    )
    NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN = (
        "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN",
        _("Non-consensual sharing of material containing deepfake or similar technology against women"),
    )
    NONCOMPLIANCE_PRICING = "KEYWORD_NONCOMPLIANCE_PRICING", _("Non-compliance with pricing regulations")
    NUDITY = "KEYWORD_NUDITY", _("Nudity")
    OTHER = "KEYWORD_OTHER", _("Not captured by any other keyword")
    PATENT_INFRINGEMENT = "KEYWORD_PATENT_INFRINGEMENT", _("Patent infringements")
    PHISHING = "KEYWORD_PHISHING", _("Phishing")
    PROHIBITED_PRODUCTS = "KEYWORD_PROHIBITED_PRODUCTS", _("Prohibited or restricted products")
    PYRAMID_SCHEMES = "KEYWORD_PYRAMID_SCHEMES", _("Pyramid schemes")
    RIGHT_TO_BE_FORGOTTEN = "KEYWORD_RIGHT_TO_BE_FORGOTTEN", _("Right to be forgotten")
    RISK_ENVIRONMENTAL_DAMAGE = "KEYWORD_RISK_ENVIRONMENTAL_DAMAGE", _("Risk for environmental damage")
    RISK_PUBLIC_HEALTH = "KEYWORD_RISK_PUBLIC_HEALTH", _("Risk for public health")
    SELF_MUTILATION = "KEYWORD_SELF_MUTILATION", _("Self-mutilation")
    STALKING = "KEYWORD_STALKING", _("Stalking")
    SUICIDE = "KEYWORD_SUICIDE", _("Suicide")
    TERRORIST_CONTENT = "KEYWORD_TERRORIST_CONTENT", _("Terrorist content")
    TRADE_SECRET_INFRINGEMENT = "KEYWORD_TRADE_SECRET_INFRINGEMENT", _("Trade secret infringements")
    TRADEMARK_INFRINGEMENT = "KEYWORD_TRADEMARK_INFRINGEMENT", _("Trademark infringements")
    TRAFFICKING_WOMEN_GIRLS = "KEYWORD_TRAFFICKING_WOMEN_GIRLS", _("Trafficking in women and girls")
    UNLAWFUL_SALE_ANIMALS = "KEYWORD_UNLAWFUL_SALE_ANIMALS", _("Unlawful sale of animals")
    UNSAFE_CHALLENGES = "KEYWORD_UNSAFE_CHALLENGES", _("Unsafe challenges")
    UNSAFE_PRODUCTS = "KEYWORD_UNSAFE_PRODUCTS", _("Unsafe or non-compliant products")
    VIOLATION_EU_LAW = "KEYWORD_VIOLATION_EU_LAW", _("Violation of EU law relevant to civic discourse or elections")
    VIOLATION_NATIONAL_LAW = (
        "KEYWORD_VIOLATION_NATIONAL_LAW",
        _("Violation of national law relevant to civic discourse or elections"),
    )


# territorial_scope: the countries the Transparency Database accepts, the EU's 27 and the EEA's other three.
EU_COUNTRIES = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
)  # fmt: skip
EEA_COUNTRIES = (*EU_COUNTRIES, "IS", "LI", "NO")
