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
