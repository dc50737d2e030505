import abonement.catalog.search.backend
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='Deletion',
            fields=[
                ('pk', models.CompositePrimaryKey('variant', 'term', blank=True, editable=False, primary_key=True, serialize=False)),
                ('variant', abonement.catalog.search.backend.TermField(max_length=40)),
                ('term', abonement.catalog.search.backend.TermField(max_length=40)),
            ],
        ),
        migrations.CreateModel(
            name='Word',
            fields=[
                ('pk', models.CompositePrimaryKey('word', 'term', blank=True, editable=False, primary_key=True, serialize=False)),
                ('word', abonement.catalog.search.backend.TermField(max_length=40)),
                ('term', abonement.catalog.search.backend.TermField(max_length=40)),
            ],
        ),
        # SQLite gets a WITHOUT ROWID table (backend.create_posting_table); other engines the usual one.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Posting',
                    fields=[
                        ('pk', models.CompositePrimaryKey('term', 'rank', 'title_id', blank=True, editable=False, primary_key=True, serialize=False)),
                        ('term', abonement.catalog.search.backend.TermField(max_length=40)),
                        ('rank', models.PositiveSmallIntegerField(help_text='Field weight × 64 + popularity bucket.')),
                        ('title_id', models.BigIntegerField()),
                    ],
                    options={
                        'indexes': [models.Index(fields=['title_id', 'term', 'rank'], name='search_posting_title')],
                    },
                ),
            ],
        ),
        migrations.RunPython(
            abonement.catalog.search.backend.create_posting_table,
            abonement.catalog.search.backend.drop_posting_table,
        ),
        migrations.CreateModel(
            name='Suggestion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', abonement.catalog.search.backend.TermField(max_length=100)),
                ('kind', models.CharField(choices=[('t', 'title'), ('a', 'author')], max_length=1)),
                ('object_id', models.BigIntegerField()),
                ('label', models.CharField(max_length=500)),
                ('detail', models.CharField(blank=True, max_length=300)),
                ('popularity', models.PositiveIntegerField(default=0)),
                ('bucket', models.PositiveSmallIntegerField(default=0)),
            ],
            options={
                'indexes': [models.Index(fields=['bucket', 'key'], name='search_suggestion_key'), models.Index(fields=['kind', 'object_id'], name='search_suggestion_object')],
            },
        ),
        migrations.CreateModel(
            name='Term',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('term', abonement.catalog.search.backend.TermField(max_length=40)),
                ('word', models.CharField(help_text='A word form to show for this term.', max_length=40)),
                ('df', models.PositiveIntegerField(default=0, help_text='Titles with this term (refreshed in bulk).')),
            ],
            options={
                'indexes': [models.Index(fields=['term', 'df'], name='search_term_df')],
                'constraints': [models.UniqueConstraint(fields=('term',), name='search_term_unique')],
            },
        ),
    ]
